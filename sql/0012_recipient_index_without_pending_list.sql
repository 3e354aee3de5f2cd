-- The send caps count each recipient's automatic mail of the day by probing outbound_to_idx
-- once per address. With GIN's fast update, new entries wait in a pending list that every
-- probe scans whole until a vacuum merges it: 0.25 ms a probe after 5,000 acknowledgements,
-- 50 ms for a batch of 200 addresses, growing all day. Without it each new message updates
-- the index at once (one or two addresses, cheap) and a probe stays ~1 microsecond.
alter index outbound_to_idx set (fastupdate = off);
select gin_clean_pending_list('outbound_to_idx'::regclass);
