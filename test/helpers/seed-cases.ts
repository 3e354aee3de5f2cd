import type { Sql, Tx } from '../../src/db/pool.ts';

export interface SeedOptions {
  cases: number;
  /** Share of the cases still open (new, open or awaiting confirmation); the rest are closed or withdrawn. */
  openShare: number;
  /**
   * The seeded world's present: no deadline run-due acts on falls due before `now` + 1 hour
   * (nor when the product re-plans a case's deadlines from its facts).
   */
  now: Date;
  /** Staff the alerts and command receipts went to (added as staff too). */
  staff: readonly string[];
  /** Addresses that are customers too, with no case: an intake run finds them (and looks up their earlier cases). */
  knownAddresses?: readonly string[];
  seed: number;
}

export interface SeedCounts {
  customers: number;
  cases: number;
  open: number;
  inbound: number;
  outbound: number;
  history: number;
  deadlines: number;
}

const DAY = 86_400_000;

/**
 * Rows as the product writes them, straight in SQL (set-based: seconds for 100k cases):
 * customers (some with several cases, 5% of cases by a representative), cases in every
 * status and owner role (5% priority), each case's complaint and half of them a reply,
 * our acknowledgements, progress updates, outcomes, closures, staff alerts and command
 * receipts, its history and its deadlines (pending ones for open cases, resolved ones for
 * closed cases). Seeded random, then VACUUM ANALYZEd, so plans are those of a real database.
 */
export async function seedCases(sql: Sql, o: SeedOptions): Promise<SeedCounts> {
  await sql.begin(async (tx) => {
    await tx`select setseed(${(o.seed % 1000) / 1000})`;
    await tx`insert into staff (email, role) select email, (array['rep', 'supervisor', 'engineering', 'director'])[1 + (n::int - 1) % 4] from unnest(${[...o.staff]}::text[]) with ordinality as s(email, n) on conflict (email) do nothing`;
    await seedCustomers(tx, o);
    await seedCaseRows(tx, o);
    await seedInbound(tx, o);
    await seedOutbound(tx, o);
    await seedDeadlines(tx, o);
    await seedHistory(tx);
  });
  // As autovacuum would have left it: statistics, and the visibility map index-only scans rely on.
  await sql`vacuum analyze`;
  const [counts] = await sql<[SeedCounts]>`
    select (select count(*)::int from customers) as customers, (select count(*)::int from cases) as cases,
      (select count(*)::int from cases where status in ('new', 'open', 'awaiting_confirmation')) as open,
      (select count(*)::int from inbound_messages) as inbound, (select count(*)::int from outbound_messages) as outbound,
      (select count(*)::int from case_history) as history, (select count(*)::int from deadlines) as deadlines`;
  return counts;
}

async function seedCustomers(tx: Tx, o: SeedOptions): Promise<void> {
  const generated = Math.max(1, Math.ceil(o.cases * 0.7));
  await tx`
    create temp table seed_customer on commit drop as
    select nextval('customers_id_seq') as id, email, name, known from (
      select 'seed.customer.' || g || '@customers.seed.test' as email, 'Seed Customer ' || g as name, false as known from generate_series(1, ${generated}::int) g
      union all
      select lower(a), null, true from unnest(${[...(o.knownAddresses ?? [])]}::text[]) a) c`;
  await tx`create temp table seed_party on commit drop as select min(id) as first, count(*) as n from seed_customer where not known`;
  await tx`insert into customers (id, email, display_name, created_at) select id, email, name, ${new Date(o.now.getTime() - 400 * DAY)} from seed_customer`;
}

/**
 * One row a case, with the random draws later tables reuse so every table tells the same
 * story. A steady state: open cases arrived over the last 55 days (new ones, not yet
 * reviewed, in the last two), closed ones over the year before.
 */
async function seedCaseRows(tx: Tx, o: SeedOptions): Promise<void> {
  const now = o.now;
  await tx`
    create temp table seed_case on commit drop as
    select y.*,
      case when not is_open then (case when r_status < 0.9 then 'closed' else 'withdrawn' end)
           when received_at > ${now}::timestamptz - interval '2 days' and r_status < 0.7 then 'new'
           when r_status < 0.8 then 'open' else 'awaiting_confirmation' end as status
    from (
      select x.*,
        case when is_open then ${now}::timestamptz - r_age * interval '55 days' else ${now}::timestamptz - interval '60 days' - r_age * interval '305 days' end as received_at,
        (select first from seed_party) + floor(r_customer * (select n from seed_party))::bigint as customer_id,
        case when r_rep < 0.05 then (select first from seed_party) + floor(r_rep * 20 * (select n from seed_party))::bigint end as representative_id,
        case when r_role < 0.9 then 'rep' when r_role < 0.95 then 'supervisor' when r_role < 0.98 then 'engineering' else 'director' end as owner_role
      from (select nextval('cases_id_seq') as id, nextval('case_number_seq') as number, g, random() < ${o.openShare}::float8 as is_open,
              random() as r_status, random() as r_age, random() as r_role, random() as r_prio,
              random() as r_customer, random() as r_rep, random() as r_reply, random() as r_due
            from generate_series(1, ${o.cases}::int) g) x) y`;
  await tx`
    alter table seed_case add column outcome_sent_at timestamptz, add column closed_at timestamptz, add column last_contact_at timestamptz,
      add column adr_warned_at timestamptz, add column email text`;
  // Nothing run-due acts on is due yet: the R3 update is 5 business days after the last message
  // the customer got (within the last 4 days), R12 closure 5 after an outcome sent within the
  // last 3, and the R14 warning (42 days) was sent for a case older than that.
  await tx`
    update seed_case s set
      outcome_sent_at = case when status = 'awaiting_confirmation' then greatest(received_at + interval '1 hour', ${now}::timestamptz - r_reply * interval '3 days')
                             when status = 'closed' then received_at + interval '5 days' + r_reply * interval '30 days' end,
      closed_at = case when status = 'closed' then received_at + interval '12 days' + r_reply * interval '30 days'
                       when status = 'withdrawn' then received_at + interval '3 days' end,
      last_contact_at = case when status in ('new', 'open') then greatest(received_at, ${now}::timestamptz - (1 - r_due) * interval '4 days') else received_at end,
      adr_warned_at = case when is_open and received_at + interval '42 days' <= ${now}::timestamptz + interval '1 hour' then received_at + interval '42 days' end,
      email = c.email
    from seed_customer c where c.id = s.customer_id`;
  await tx`
    insert into cases (id, reference, token, customer_id, representative_id, subject, status, owner_role, flags, priority, received_at,
      acknowledged_at, reviewed_at, last_customer_contact_at, outcome, outcome_sent_at, closed_at, closure_reason, director_escalated_at,
      technical_since, engineering_responded_at, adr_warned_at, channel, created_at, updated_at)
    select id, 'CMP-' || extract(year from received_at)::int || '-' || lpad(number::text, 6, '0'), md5('seed-token-' || id || '-' || random()),
      customer_id, representative_id, 'Broadband keeps dropping ' || g, status, owner_role,
      case when r_prio < 0.05 then array['urgent'] when owner_role = 'engineering' then array['technical'] else '{}' end, r_prio < 0.05, received_at,
      received_at + interval '2 minutes', case when status <> 'new' then received_at + interval '1 day' end, last_contact_at,
      case when outcome_sent_at is not null then 'We refunded the charges and fixed the line.' end, outcome_sent_at, closed_at,
      case when status = 'closed' then (case when r_reply < 0.6 then 'confirmed' else 'no_response' end) when status = 'withdrawn' then 'withdrawn' end,
      case when owner_role = 'director' then received_at + interval '2 days' end, case when owner_role = 'engineering' then received_at end,
      case when owner_role = 'engineering' and received_at < ${now}::timestamptz - interval '5 days' then received_at + interval '3 days' end,
      adr_warned_at, 'email', received_at, coalesce(closed_at, received_at)
    from seed_case`;
}

async function seedInbound(tx: Tx, o: SeedOptions): Promise<void> {
  // The complaint of each case, a reply on half of them (a confirmation when closed as confirmed), and some mail that opened nothing.
  await tx`
    insert into inbound_messages (identity, message_id, raw_sha256, content_sha256, raw, size_bytes, source, source_ref, received_at, ingested_at,
      from_address, from_name, to_addresses, subject, sent_at, in_reply_to, kind, case_id, body_text, full_text, classification)
    select 'mid:' || m.message_id, m.message_id, md5(m.message_id), md5(m.message_id || 'content'), convert_to(m.raw, 'UTF8'), octet_length(m.raw), 'imap', 'INBOX:' || m.n,
      m.at, m.at, s.email, 'Seed Customer', array['complaints@redress.test'], m.subject, m.at, m.in_reply_to, m.kind, s.id, m.body, m.body, '{"reasons": []}'
    from seed_case s cross join lateral (
      select 1 as n, 'seed.complaint.' || s.id || '@customers.seed.test' as message_id, s.received_at as at, 'complaint' as kind, 'Broadband keeps dropping ' || s.g as subject, null as in_reply_to
      union all
      select 2, 'seed.reply.' || s.id || '@customers.seed.test', coalesce(s.outcome_sent_at, s.received_at + interval '3 days') + interval '1 hour',
        case when s.status = 'closed' and s.r_reply < 0.6 then 'confirmation' else 'reply' end, 'Re: Broadband keeps dropping ' || s.g, 'seed.ack.' || s.id || '@redress.test'
      where s.r_reply < 0.5 and s.status <> 'new' and coalesce(s.outcome_sent_at, s.received_at + interval '3 days') + interval '1 hour' < ${o.now}::timestamptz
    ) m0 cross join lateral (
      select m0.*, 'From: Seed Customer <' || s.email || '>' || chr(13) || chr(10) || 'Subject: ' || m0.subject || chr(13) || chr(10) || 'Message-ID: <' || m0.message_id || '>' || chr(13) || chr(10) || chr(13) || chr(10) ||
        repeat('My broadband has dropped out every evening since the third of this month and the engineer never came. ', 6) as raw,
        repeat('My broadband has dropped out every evening since the third of this month and the engineer never came. ', 6) as body) m`;
  await tx`
    insert into inbound_messages (identity, message_id, raw_sha256, content_sha256, raw, size_bytes, source, received_at, ingested_at, from_address, to_addresses, subject, kind, classification)
    select 'mid:seed.auto.' || s.id || '@elsewhere.seed.test', 'seed.auto.' || s.id || '@elsewhere.seed.test', md5('auto' || s.id), md5('auto-content' || s.id),
      convert_to('Subject: Out of office', 'UTF8'), 23, 'imap', s.received_at + interval '5 minutes', s.received_at + interval '5 minutes', s.email, array['complaints@redress.test'], 'Out of office',
      case when s.r_reply < 0.52 then 'auto_reply' else 'other' end, '{"reasons": []}'
    from seed_case s where s.r_reply >= 0.5 and s.r_reply < 0.53`;
}

async function seedOutbound(tx: Tx, o: SeedOptions): Promise<void> {
  const staffTo = o.staff[0] ?? 'staff@redress.test';
  await tx`
    insert into outbound_messages (case_id, kind, idempotency_key, message_id, to_addresses, subject, raw, status, automatic, audience, envelope_from, in_reply_to, about_sender, created_at, sent_at)
    select s.id, m.kind, m.kind || ':seed:' || s.id, 'seed.' || m.kind || '.' || s.id || '@redress.test', m.recipients, 'Your complaint ' || s.g,
      convert_to(repeat('Thank you for your complaint; we will write again within five working days. ', 8), 'UTF8'), m.status, m.automatic, m.audience,
      'complaints@redress.test', 'seed.complaint.' || s.id || '@customers.seed.test', m.about, m.at, case when m.status = 'sent' then m.at + interval '10 seconds' end
    from seed_case s cross join lateral (values
      ('ack', array[s.email], 'sent', true, 'customer', null, s.received_at + interval '1 minute', true),
      ('progress', array[s.email], 'sent', true, 'customer', null, s.received_at + interval '7 days', s.r_reply < 0.5 and s.status <> 'new' and s.received_at + interval '7 days' < ${o.now}::timestamptz),
      ('outcome', array[s.email], 'sent', false, 'customer', null, s.outcome_sent_at, s.outcome_sent_at is not null),
      ('closure_confirmed', array[s.email], 'sent', true, 'customer', null, s.closed_at, s.status = 'closed'),
      ('staff_alert', array[${staffTo}::text], 'sent', true, 'staff', s.email, s.received_at + interval '1 minute', s.r_prio < 0.05),
      ('command_receipt', array[${staffTo}::text], 'sent', true, 'staff', null, s.received_at + interval '1 day', s.r_due < 0.05)
    ) as m(kind, recipients, status, automatic, audience, about, at, wanted)
    where m.wanted`;
}

/**
 * Open cases keep their pending deadlines (an R3 update, the R14 warning until sent and the
 * notice, R12 closure when awaiting confirmation, R4 review when new, R7/R6 when escalated);
 * the ones run-due acts on fall due from `now` + 1 hour. Closed cases keep resolved ones.
 */
async function seedDeadlines(tx: Tx, o: SeedOptions): Promise<void> {
  const quiet = new Date(o.now.getTime() + 3_600_000);
  await tx`
    insert into deadlines (case_id, rule, kind, due_at, status, created_at, resolved_at)
    select s.id, d.rule, d.kind, d.due_at, d.status, s.received_at, case when d.status <> 'pending' then least(d.due_at, coalesce(s.closed_at, d.due_at)) end
    from seed_case s cross join lateral (values
      ('R1', 'ack', s.received_at + interval '1 day', 'met', true),
      ('R4', 'review', s.received_at + interval '1 day', case when s.status = 'new' then 'pending' else 'met' end, true),
      ('R3', 'update', s.received_at + interval '7 days', 'met', s.status <> 'new' and s.received_at + interval '7 days' < ${o.now}::timestamptz),
      ('R3', 'update', greatest(s.last_contact_at + interval '7 days', ${quiet}::timestamptz), 'pending', s.status in ('new', 'open')),
      ('R12', 'closure', greatest(s.outcome_sent_at + interval '7 days', ${quiet}::timestamptz), case when s.status = 'awaiting_confirmation' then 'pending' when s.status = 'closed' then 'met' else 'cancelled' end, s.outcome_sent_at is not null),
      ('R14', 'adr_warning', s.received_at + interval '42 days', case when not s.is_open then 'cancelled' when s.adr_warned_at is null then 'pending' else 'met' end, true),
      ('R14', 'adr', s.received_at + interval '56 days', case when s.is_open then 'pending' else 'cancelled' end, true),
      ('R7', 'director', s.received_at + interval '9 days', case when s.is_open then 'pending' else 'met' end, s.owner_role = 'director'),
      ('R6', 'engineering_target', s.received_at + interval '3 days', case when s.is_open and s.received_at >= ${o.now}::timestamptz - interval '5 days' then 'pending' else 'met' end, s.owner_role = 'engineering')
    ) as d(rule, kind, due_at, status, wanted)
    where d.wanted`;
}

async function seedHistory(tx: Tx): Promise<void> {
  await tx`
    insert into case_history (case_id, at, actor, event, data, recorded_at)
    select s.id, h.at, h.actor, h.event, h.data, h.at
    from seed_case s cross join lateral (values
      (s.received_at, 'customer:' || s.email, 'case.opened', jsonb_build_object('reference', s.id)),
      (s.received_at, 'system', 'deadline.set', jsonb_build_object('kind', 'ack', 'rule', 'R1')),
      (s.received_at + interval '1 minute', 'system', 'acknowledged', '{}'::jsonb),
      (s.received_at + interval '1 minute', 'system', 'deadline.set', jsonb_build_object('kind', 'update', 'rule', 'R3')),
      (coalesce(s.outcome_sent_at, s.received_at + interval '1 day'), 'staff:' || s.owner_role, case when s.outcome_sent_at is null then 'note.added' else 'outcome.recorded' end, '{}'::jsonb),
      (coalesce(s.closed_at, s.received_at), 'system', case when s.closed_at is null then 'deadline.set' else 'case.closed' end, '{}'::jsonb)
    ) as h(at, actor, event, data)`;
}
