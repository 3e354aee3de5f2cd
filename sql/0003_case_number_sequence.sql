-- Case numbers come from a sequence: a per-year counter row was locked until each opening
-- transaction committed, so concurrent intakes queued behind one another. The number no
-- longer restarts each year (the reference still carries the year); a rolled-back
-- opening may leave a gap, which is harmless.
create sequence case_number_seq;
select setval('case_number_seq', coalesce((select max(last_value) from case_reference_counters), 0) + 1, false);
drop table case_reference_counters;
