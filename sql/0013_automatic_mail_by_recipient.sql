-- The daily cap on automatic answers (RFC 3834) counts each address's automatic mail since
-- yesterday. With the day's automatic mail indexed by date, the planner read that whole day
-- once per address whenever its statistics had not yet seen today's rows (between two
-- autovacuum runs, all day on a busy one): a batch of 200 addresses read 4 million index
-- entries after 20,000 acknowledgements, and the intake slowed as the day went on. Indexing
-- automatic mail by recipient alone makes each probe read what that address was sent
-- automatically (a few messages per customer; staff get none), whatever the day's volume.
-- The cap is the only reader of both old indexes.
create index outbound_automatic_to_idx on outbound_messages using gin (to_addresses) with (fastupdate = off) where automatic;
drop index outbound_automatic_created_idx;
drop index outbound_to_idx;
