import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { rawMail, startE2E, type E2E } from '../helpers/e2e.ts';
import { historyEvents, kindOf, sentTo } from '../helpers/e2e-cases.ts';

/** Issue "Only the right people can act by email", parts 5 (message identity) and 6 (volume). */
describe('security: volume and message identity', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ENG = 'eng@telco.test';
  const SUE = 'sue@telco.test';
  const TECHNICAL = 'There has been no broadband signal at my house for a week and the router shows a red light. Please send an engineer.';

  it('attack: 50 complaints from one address in a minute make 50 cases, but staff alerts about that sender are capped and the rest summarised', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, ENG, 'engineering');
    await addStaff(e.db.sql, SUE, 'supervisor');
    for (let i = 0; i < 50; i++) {
      await e.append(rawMail({ from: 'flood@example.org', subject: `Outage ${i}`, body: TECHNICAL }, `flood-${i}@example.org`, e.app.clock.now()));
      e.app.clock.advance(1_000);
    }
    expect(await e.drain()).toMatchObject({ fetched: 50, stored: 50 });
    await e.runDue();

    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 50 }]);
    const referrals = sentTo(e, ENG, 'staff_alert').filter((m) => m.parsed.subject?.includes('Technical complaint referred to engineering (R6)'));
    expect(referrals).toHaveLength(5);
    const summary = e.sent('staff_alert').filter((m) => m.parsed.subject === 'More alerts about flood@example.org are held today');
    expect(summary).toHaveLength(1);
    expect([...summary[0]!.envelope.to].sort()).toEqual([ENG, SUE]);
    // Nothing dropped from the record: each held alert is on its case as suppressed.
    const held = await e.db.sql<{ n: number }[]>`
      select count(*)::int as n from outbound_messages where kind = 'staff_alert' and status = 'suppressed' and about_sender = 'flood@example.org'`;
    expect(held).toEqual([{ n: 45 }]);
    const [last] = await e.db.sql<{ reference: string }[]>`select reference from cases order by id desc limit 1`;
    expect((await historyEvents(e, last!.reference)).filter((h) => h.event === 'send.suppressed').map((h) => h.data.reason)).toEqual([
      'automatic-message cap of 10 a day reached',
      'staff alerts about flood@example.org capped at 5 a day',
    ]);

    e.at('2026-09-02T07:30:00Z');
    await e.runDue();
    expect(e.sent('staff_digest').at(-1)!.parsed.text).toContain('flood@example.org: 45 alerts not emailed; each is on its case\'s record');
  });

  it("attack: a stranger who sends first with the Message-ID of a customer's coming complaint does not suppress it", async () => {
    e = await startE2E();
    await addStaff(e.db.sql, SUE, 'supervisor');
    const stolenId = 'complaint-1@customer.example';
    await e.deliver(rawMail({ from: 'stranger@evil.test', subject: 'hello', body: 'Nothing to see here, just a message to take the Message-ID first.' }, stolenId, e.app.clock.now()));
    const before = e.sink.messages.length;
    const real = await e.deliver(rawMail({ from: 'Carol <carol@customer.example>', subject: 'Broken router', body: TECHNICAL }, stolenId, e.app.clock.now()));
    expect(real).toMatchObject({ stored: 1, duplicates: 0 });
    await e.runDue();

    const rows = await e.db.sql<{ from_address: string; kind: string; case_id: bigint | null; collides_with: bigint | null; identity: string }[]>`
      select from_address, kind, case_id, collides_with, identity from inbound_messages where message_id = ${stolenId} order by id`;
    expect(rows.map((r) => [r.from_address, r.kind, r.case_id !== null, r.collides_with !== null])).toEqual([
      ['stranger@evil.test', 'complaint', true, false],
      ['carol@customer.example', 'complaint', true, true],
    ]);
    expect(rows[1]!.identity).toMatch(/^mid:complaint-1@customer\.example#[0-9a-f]{16}$/);
    const after = e.sink.messages.slice(before);
    expect(after.filter((m) => m.envelope.to.includes('carol@customer.example')).map(kindOf)).toEqual(['ack']);
    const flagged = after.filter((m) => m.parsed.subject?.startsWith('Two different messages with one Message-ID'));
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!.parsed.text).toContain(`Message-ID <${stolenId}> from carol@customer.example was first used by stranger@evil.test`);
  });

  it('a true duplicate (same Message-ID, same sender, same content, another relay hop) is stored once', async () => {
    e = await startE2E();
    const raw = rawMail({ from: 'dave@example.org', subject: 'Overcharged', body: 'I was overcharged on my last bill by twenty pounds, please correct it.' }, 'dup-1@example.org', e.app.clock.now());
    await e.deliver(raw);
    const again = await e.deliver(`Received: from mx2.example.org by mx.redress.test; ${e.app.clock.now().toUTCString()}\r\n${raw}`);
    expect(again).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await e.db.sql`select count(*)::int as n from inbound_messages where message_id = 'dup-1@example.org'`).toEqual([{ n: 1 }]);
  });
});
