import type { Sql } from '../src/db/pool.ts';

/**
 * Seeds `n` cases received over 2026 straight in SQL (set-based, seconds for 100k): channels,
 * acknowledgements, outcomes and closures, six deadlines a case in every status, an
 * acknowledgement message each and some ADR notices and deadlock letters. Seeded random, so
 * every run reports the same figures.
 */
export async function seedReportCases(sql: Sql, n: number, seed: number): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select setseed(${(seed % 1000) / 1000})`;
    await tx`insert into customers (email) select 'customer' || g || '@bench.test' from generate_series(1, ${Math.max(1, Math.ceil(n / 10))}) g`;
    await tx`
      insert into cases (reference, token, customer_id, channel, subject, received_at, acknowledged_at, outcome_sent_at, status, closed_at, closure_reason)
      select 'CMP-2026-' || lpad(g::text, 7, '0'), md5('token' || g), (select min(id) from customers) + (g % ${Math.max(1, Math.ceil(n / 10))}),
        case when r1 < 0.7 then 'email' when r1 < 0.85 then 'phone' when r1 < 0.95 then 'portal' else 'letter' end,
        'Bench complaint', received, received + r2 * interval '3 hours',
        case when r3 < 0.8 then received + r4 * interval '70 days' end,
        case when r3 < 0.8 and received + r4 * interval '70 days' < '2027-01-01' then 'closed' when r3 > 0.95 then 'withdrawn' when r3 < 0.8 then 'awaiting_confirmation' else 'open' end,
        case when r3 < 0.8 and received + r4 * interval '70 days' < '2027-01-01' then received + r4 * interval '70 days' + interval '3 days' when r3 > 0.95 then received + interval '2 days' end,
        case when r3 < 0.8 and received + r4 * interval '70 days' < '2027-01-01' then (case when r2 < 0.6 then 'confirmed' else 'no_response' end) when r3 > 0.95 then 'withdrawn' end
      from (select g, random() as r1, random() as r2, random() as r3, random() as r4,
                   timestamptz '2026-01-01T00:00:00Z' + random() * interval '365 days' as received
            from generate_series(1, ${n}) g) x`;
    await tx`
      insert into deadlines (case_id, rule, kind, due_at, status, created_at, resolved_at)
      select c.id, d.rule, d.kind, c.received_at + d.after, d.status, c.received_at, case when d.status = 'pending' then null else c.received_at + d.after + d.late end
      from cases c cross join lateral (values
        ('R1', 'ack', interval '1 day', case when random() < 0.97 then 'met' else 'missed' end, random() * interval '6 hours'),
        ('R4', 'review', interval '1 day', 'met', interval '0'),
        ('R3', 'update', interval '7 days', case when random() < 0.9 then 'met' else 'missed' end, random() * interval '2 days'),
        ('R3', 'update', interval '14 days', case when random() < 0.5 then 'replanned' else 'met' end, interval '0'),
        ('R12', 'closure', interval '40 days', case when random() < 0.5 then 'met' else 'cancelled' end, interval '0'),
        ('R14', 'adr', interval '56 days', case when random() < 0.9 then 'cancelled' when random() < 0.5 then 'met' else 'pending' end, interval '0')
      ) as d(rule, kind, after, status, late)`;
    await tx`
      insert into outbound_messages (case_id, kind, idempotency_key, message_id, to_addresses, subject, status, created_at, sent_at)
      select c.id, m.kind, c.id || ':' || m.kind, 'bench.' || c.id || '.' || m.kind || '@redress.test', array['customer@bench.test'], 'Bench', 'sent', c.received_at + m.after, c.received_at + m.after
      from cases c cross join lateral (values ('ack', interval '1 minute', true), ('adr_notice', interval '56 days', random() < 0.05), ('deadlock_letter', interval '30 days', random() < 0.02)) as m(kind, after, wanted)
      where m.wanted`;
  });
  await sql`analyze`;
}
