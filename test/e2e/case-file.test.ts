import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import * as yauzl from 'yauzl';
import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { redressAt, staffSays } from '../helpers/e2e-cases.ts';

/**
 * The case file for the Ombudsman (`redress case REF export`): raw messages byte for byte,
 * attachments, and a timeline of every history entry. The clock starts on Tuesday 1
 * September 2026, 11:00 in London.
 */
describe('the case file for the Ombudsman, end to end', () => {
  let e: E2E;
  let dir: string;
  afterEach(async () => {
    await e?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';
  const HOSTILE_SUBJECT = '<script>alert("x")</script> Bill & fees';
  const PDF = Buffer.from('%PDF-1.4 Alice statement \u00e9\n', 'latin1');

  const redress = (args: string[]) => redressAt(e, args);

  /** A complaint with a PDF attached, by email; returns the case reference. */
  async function complaintWithAttachment(): Promise<string> {
    const body = [
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'I was charged twice for my August bill and nobody has refunded the second payment. My statement is attached.',
      '--b1',
      'Content-Type: application/pdf; name="../../statement.pdf"',
      'Content-Disposition: attachment; filename="../../statement.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      PDF.toString('base64'),
      '--b1--',
    ].join('\r\n');
    await e.email({ from: `Alice <${ALICE}>`, subject: HOSTILE_SUBJECT, body, headers: { 'Content-Type': 'multipart/mixed; boundary="b1"' } });
    await e.runDue();
    const [kase] = await e.db.sql<{ reference: string }[]>`select reference from cases`;
    return kase!.reference;
  }

  async function filesUnder(root: string): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const full = path.join(entry.parentPath, entry.name);
        out.set(path.relative(root, full), await fs.readFile(full));
      }
    }
    return out;
  }

  async function unzip(file: string): Promise<Map<string, Buffer>> {
    const zip = await yauzl.openPromise(file, { lazyEntries: true });
    const out = new Map<string, Buffer>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        zip
          .openReadStreamPromise(entry)
          .then((s) => buffer(s))
          .then((b) => {
            out.set(entry.fileName, b);
            zip.readEntry();
          }, reject);
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
    return out;
  }

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('round trip: every raw message is byte-identical to the stored one, attachments too, and the timeline lists every history entry', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const reference = await complaintWithAttachment();
    e.at('2026-09-02T09:00:00Z');
    await staffSays(e, RITA, reference, '#note Refund <b>requested</b> from billing & payments.');
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50.');
    e.at('2026-09-03T09:00:00Z');
    const [outcome] = e.sent('outcome');
    await e.email({ from: ALICE, subject: `Re: ${outcome!.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome!) });
    await e.runDue();

    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-export-'));
    const out = path.join(dir, 'case');
    const result = await redress(['case', reference, 'export', '--out', out, '--json']);
    expect(result.code).toBe(0);
    const [caseId] = await e.db.sql<{ id: bigint }[]>`select id from cases where reference = ${reference}`;
    const inbound = await e.db.sql<{ raw: Buffer }[]>`select raw from inbound_messages where case_id = ${caseId!.id}`;
    const outbound = await e.db.sql<{ raw: Buffer }[]>`select raw from outbound_messages where case_id = ${caseId!.id}`;
    const history = await e.db.sql<{ id: bigint }[]>`select id from case_history where case_id = ${caseId!.id} order by id`;
    expect(JSON.parse(result.stdout)).toEqual({ reference, out, zip: null, messages: inbound.length + outbound.length, purged_messages: 0, attachments: 1, events: history.length, deadlines: expect.any(Number) });

    const files = await filesUnder(out);
    const emls = [...files].filter(([name]) => name.startsWith('messages/'));
    expect(emls.map(([, b]) => sha(b)).sort()).toEqual([...inbound, ...outbound].map((m) => sha(m.raw)).sort());
    expect(emls.every(([name]) => /^messages\/\d{3}-(in|out)-[a-z_]+\.eml$/.test(name))).toBe(true);
    expect(files.get('attachments/001-1-statement.pdf')).toEqual(PDF); // the sender's "../../" path is not followed

    const timeline = JSON.parse(files.get('timeline.json')!.toString('utf8'));
    expect(timeline.events.map((ev: { id: number }) => ev.id)).toEqual(history.map((h) => Number(h.id)));
    expect(timeline.events.every((ev: { at: string; actor: string }) => ev.at && ev.actor)).toBe(true);
    expect(timeline.case).toMatchObject({ reference, status: 'closed', channel: 'email', subject: HOSTILE_SUBJECT, customer: { email: ALICE, name: 'Alice' } });
    expect(timeline.outcome).toEqual({ text: 'We refunded the second payment of £42.50.', sent_at: '2026-09-02T09:00:00.000Z' });
    expect(timeline.closure).toEqual({ closed_at: '2026-09-03T09:00:00.000Z', reason: 'confirmed', confirmed_by: null, letter_date: null });
    expect(timeline.purged).toBeNull();
    expect(timeline.deadlines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'R1', kind: 'ack', status: 'met', verdict: 'met at 2026-09-01T10:00:00.000Z', late_seconds: null }),
        expect.objectContaining({ rule: 'R12', kind: 'closure', status: 'cancelled' }),
      ]),
    );
    const complaint = timeline.messages[0];
    expect(complaint).toMatchObject({ n: 1, direction: 'in', kind: 'complaint', file: 'messages/001-in-complaint.eml', from: ALICE, attachments: [{ file: 'attachments/001-1-statement.pdf', filename: '../../statement.pdf', content_type: 'application/pdf', purged: false }] });

    const html = files.get('timeline.html')!.toString('utf8');
    expect(html.match(/<tr data-event-id="/g)).toHaveLength(history.length);
    for (const h of history) expect(html).toContain(`<tr data-event-id="${h.id}">`);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Bill &amp; fees');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<link|src=|@import/); // nothing from outside: readable without Redress or a network
    expect(html).toContain('<a href="messages/001-in-complaint.eml">');
    expect(html).toContain('Refund &lt;b&gt;requested&lt;/b&gt; from billing &amp; payments.');

    // The same case file as a zip: every entry byte for byte what the folder holds.
    const zipFile = path.join(dir, 'case.zip');
    const zipped = await redress(['case', reference, 'export', '--zip', zipFile]);
    expect(zipped.stdout).toBe(`exported ${reference} to ${zipFile}: ${emls.length} messages, 1 attachments, ${timeline.deadlines.length} deadlines, ${history.length} history entries; open timeline.html\n`);
    const entries = await unzip(zipFile);
    expect([...entries.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, content] of entries) expect(Buffer.compare(content, files.get(name)!)).toBe(0);
  });

  it('a case redacted by retention exports what is left and says the rest was purged', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const reference = await complaintWithAttachment();
    await staffSays(e, RITA, reference, '#withdrawn');
    e.at('2029-09-10T09:00:00Z'); // past RETENTION_DAYS_AFTER_CLOSE (1095)
    expect((await redress(['purge', '--json'])).code).toBe(0);

    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-export-'));
    const out = path.join(dir, 'case');
    const result = await redress(['case', reference, 'export', '--out', out]);
    expect(result.stdout).toMatch(new RegExp(`^exported ${reference} to ${out}: (\\d+) messages \\(\\1 purged, listed in the timeline\\), 0 attachments`));
    const files = await filesUnder(out);
    expect([...files.keys()].sort()).toEqual(['timeline.html', 'timeline.json']);
    const timeline = JSON.parse(files.get('timeline.json')!.toString('utf8'));
    expect(timeline.purged).toMatchObject({ at: '2029-09-10T09:00:00.000Z', reason: 'retention period ended', messages: timeline.messages.length, attachments: 1 });
    expect(timeline.messages.every((m: { purged: boolean; file: string | null }) => m.purged && m.file === null)).toBe(true);
    expect(timeline.case.subject).toBe('[redacted]');
    const history = await e.db.sql`select h.id from case_history h join cases c on c.id = h.case_id where c.reference = ${reference}`;
    expect(timeline.events).toHaveLength(history.length);
    expect(timeline.events.at(-1)).toMatchObject({ event: 'case.redacted', actor: 'system' });
    expect(files.get('timeline.html')!.toString('utf8')).toContain('<strong>Purged on 2029-09-10T09:00:00.000Z (retention period ended).</strong>');
  });

  it('refuses a folder that is not empty, a missing target, and an unknown case', async () => {
    e = await startE2E();
    const reference = await complaintWithAttachment();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-export-'));
    await fs.writeFile(path.join(dir, 'other.txt'), 'x');
    expect(await redress(['case', reference, 'export', '--out', dir])).toEqual({ code: 4, stdout: '', stderr: `redress: ${dir} is not empty; give a new or empty folder\n` });
    expect(await redress(['case', reference, 'export'])).toEqual({ code: 1, stdout: '', stderr: 'redress: export writes the case file to a folder or a zip file: give --out DIR or --zip FILE (one of them)\n' });
    expect((await redress(['case', 'CMP-2026-999999', 'export', '--zip', path.join(dir, 'x.zip')])).code).toBe(3);
    expect(await redress(['case', reference, 'export', '--zip', path.join(dir, 'other.txt')])).toEqual({ code: 4, stdout: '', stderr: `redress: ${path.join(dir, 'other.txt')} exists already; give a new file name\n` });
  });
});
