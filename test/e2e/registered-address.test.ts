import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, openCase, redressAt, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * R10 "via email to your registered email address": customers imported from a CSV or set one
 * by one, and the outcome going to the registered address with a copy to where the complaint
 * came from. The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('the registered email address, end to end', () => {
  let e: E2E;
  let dir: string | undefined;
  afterEach(async () => {
    await e?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const ALICE = 'alice@example.com';
  const ALICE_HOME = 'alice.smith@home.example';
  const RITA = 'rita@telco.test';

  const redress = (args: string[]) => redressAt(e, args);

  async function csvFile(name: string, lines: string[]): Promise<string> {
    dir ??= await fs.mkdtemp(path.join(os.tmpdir(), 'redress-customers-'));
    const file = path.join(dir, name);
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  const customers = () => e.db.sql`select email, display_name, registered_email, account from customers order by email`;

  it('redress customers import FILE.csv creates and updates customers with a summary; the same file again changes nothing and says so', async () => {
    e = await startE2E();
    await openCase(e, `Bob <bob@example.com>`); // Bob wrote in before the import: he is updated, not created
    const file = await csvFile('customers.csv', [
      'email,name,registered_email,account',
      `${ALICE},Alice Smith,${ALICE_HOME},ACC-1001`,
      'bob@example.com,Bob Jones,,ACC-1002',
      'Cara@Example.com,,,ACC-1003',
    ]);

    expect(await redress(['customers', 'import', file])).toEqual({ code: 0, stdout: `imported ${file}: 2 created, 1 updated, 0 unchanged\n`, stderr: '' });
    expect(await customers()).toEqual([
      { email: ALICE, display_name: 'Alice Smith', registered_email: ALICE_HOME, account: 'ACC-1001' },
      { email: 'bob@example.com', display_name: 'Bob Jones', registered_email: null, account: 'ACC-1002' },
      { email: 'cara@example.com', display_name: null, registered_email: null, account: 'ACC-1003' },
    ]);

    expect(await redress(['customers', 'import', file])).toEqual({ code: 0, stdout: 'nothing changed: all 3 rows are already as ' + file + ' says\n', stderr: '' });
    const again = await redress(['customers', 'import', file, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ file, rows: 3, created: 0, updated: 0, unchanged: 3, errors: [] });
  });

  it('a CSV with bad rows imports nothing and names each bad line (text on stderr, or --json with exit 1)', async () => {
    e = await startE2E();
    const file = await csvFile('bad.csv', ['email,name,registered_email,account', `${ALICE},Alice,${ALICE_HOME},A1`, 'dan@example.com,Dan,not an address,A2', ',Nobody,,A3']);
    expect(await redress(['customers', 'import', file])).toEqual({
      code: 1,
      stdout: '',
      stderr: `redress: ${file} not imported, nothing changed; fix these 2 lines and import it again:\n  line 3: registered_email "not an address" is not a plain email address\n  line 4: email is empty: every row needs the address the customer writes from\n`,
    });
    const json = await redress(['customers', 'import', file, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      file,
      rows: 3,
      created: 0,
      updated: 0,
      unchanged: 0,
      errors: [
        { line: 3, message: 'registered_email "not an address" is not a plain email address' },
        { line: 4, message: 'email is empty: every row needs the address the customer writes from' },
      ],
    });
    expect(await customers()).toEqual([]);
    expect((await redress(['customers', 'import', path.join(dir!, 'missing.csv')])).stderr).toMatch(/^redress: cannot read .*missing\.csv: ENOENT/);
  });

  it('R10: the outcome goes to the registered address with a copy to the address the complaint came from; the customer confirms from the registered address and the case closes (R11)', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const set = await redress(['customers', 'set', ALICE, '--registered-email', 'Alice.Smith@Home.example', '--account', 'ACC-1001', '--json']);
    expect(JSON.parse(set.stdout)).toEqual({ email: ALICE, result: 'created', customer: { email: ALICE, name: null, registered_email: ALICE_HOME, account: 'ACC-1001' } });
    expect((await redress(['customers', 'set', ALICE, '--registered-email', ALICE_HOME])).stdout).toBe(`unchanged ${ALICE}: registered email ${ALICE_HOME}, name -, account ACC-1001\n`);

    const { reference, ack } = await openCase(e, `Alice <${ALICE}>`);
    expect(ack.envelope.to).toEqual([ALICE]); // the acknowledgement answers the mail (R1), where she wrote from
    e.at('2026-09-02T09:00:00Z');
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50 to your card today.');

    const [outcome] = e.sent('outcome');
    expect(outcome!.envelope.to).toEqual([ALICE_HOME, ALICE]);
    expect(outcome!.parsed.to).toMatchObject({ text: ALICE_HOME });
    expect(outcome!.parsed.cc).toMatchObject({ text: ALICE });
    expect(outcome!.parsed.text).toContain('refunded the second payment of £42.50');
    const [stored] = await e.db.sql`select to_addresses from outbound_messages where kind = 'outcome'`;
    expect(stored!.to_addresses).toEqual([ALICE_HOME, ALICE]);

    e.at('2026-09-03T09:00:00Z');
    await e.email({ from: `Alice <${ALICE_HOME}>`, subject: `Re: ${outcome!.parsed.subject}`, body: 'Yes, that is resolved, thank you. You can close it.', inReplyTo: messageIdOf(outcome!) });
    await e.runDue();
    expect(await caseRow(e, reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
    expect(sentTo(e, ALICE, 'closure_confirmed')).toHaveLength(1);
  });

  it('without a registered address, or with the same one, the outcome goes where the customer wrote from, uncopied', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    expect((await redress(['customers', 'set', ALICE, '--registered-email', ALICE])).code).toBe(0);
    const a = await openCase(e, `Alice <${ALICE}>`);
    const b = await openCase(e, 'Bob <bob@example.com>');
    await staffSays(e, RITA, a.reference, '#outcome Refunded.');
    await staffSays(e, RITA, b.reference, '#outcome Refunded too.');
    expect(e.sent('outcome').map((m) => [m.envelope.to, m.parsed.cc])).toEqual([
      [[ALICE], undefined],
      [['bob@example.com'], undefined],
    ]);
  });

  it('redress customers set refuses a bad address and needs something to set', async () => {
    e = await startE2E();
    expect(await redress(['customers', 'set', ALICE, '--registered-email', 'alice at home'])).toEqual({ code: 1, stdout: '', stderr: 'redress: registered_email "alice at home" is not a plain email address\n' });
    expect(await redress(['customers', 'set', ALICE])).toEqual({ code: 1, stdout: '', stderr: 'redress: give what to set: --registered-email ADDRESS, --name NAME and/or --account ACCOUNT\n' });
    expect(await customers()).toEqual([]);
  });

  it('erasure empties the registered address and the account with the rest of the customer record', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const file = await csvFile('one.csv', ['email,name,registered_email,account', `${ALICE},Alice Smith,${ALICE_HOME},ACC-1001`]);
    expect((await redress(['customers', 'import', file])).code).toBe(0);
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, reference, '#withdrawn');
    const erased = await redress(['customers', 'erase', ALICE, '--json']);
    expect(JSON.parse(erased.stdout)).toMatchObject({ email: ALICE, erased: true, customers: 1 });
    expect(await customers()).toEqual([{ email: null, display_name: null, registered_email: null, account: null }]);
  });
});
