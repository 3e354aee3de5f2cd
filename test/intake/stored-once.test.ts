import { createCipheriv, createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentContent } from '../../src/intake/attachment-content.ts';
import { STAGED_RAW_BYTES } from '../../src/intake/inbound-repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { dmarcPass } from '../helpers/e2e.ts';

/** Incompressible, repeatable bytes, as a PDF or photo would be. */
function bytes(size: number, seed: string): Buffer {
  return createCipheriv('aes-128-ctr', createHash('sha256').update(seed).digest().subarray(0, 16), Buffer.alloc(16)).update(Buffer.alloc(size));
}

function complaintWith(from: string, messageId: string, attachment: Buffer): Buffer {
  return Buffer.from(
    [
      dmarcPass(from),
      `From: ${from}`,
      'To: complaints@redress.test',
      'Subject: Charged twice for March',
      `Message-ID: <${messageId}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'I was charged twice for March. My bank statement is attached; please refund the second payment.',
      '--b',
      'Content-Type: application/pdf; name="statement.pdf"',
      'Content-Disposition: attachment; filename="statement.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('a large message is stored once: its raw bytes, with its attachment as a reference into them (real Postgres)', () => {
  let db: TestDb;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, { MAX_MESSAGE_BYTES: String(12 * 1024 * 1024) });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const receive = (raw: Buffer, ref: string) => ({ raw, receivedAt: app.clock.now(), source: 'file' as const, sourceRef: ref });

  it('a 7 MB complaint keeps its raw bytes byte-identical, no second copy of its attachment, and the attachment reads back byte-identical', async () => {
    const pdf = bytes(5 * 1024 * 1024, 'statement');
    const raw = complaintWith('pat@example.com', 'big-1@example.com', pdf);
    expect(raw.length).toBeGreaterThan(STAGED_RAW_BYTES * 5);
    const out = await app.process(receive(raw, 'big-1.eml'));
    expect(out).toMatchObject({ status: 'stored', kind: 'complaint', caseOpened: true });

    const [row] = await db.sql<{ raw: Buffer; size_bytes: number; body_text: string; full_text: string | null }[]>`
      select raw, size_bytes, body_text, full_text from inbound_messages where id = ${out.inboundId}`;
    expect(row!.raw.equals(raw)).toBe(true);
    expect(row!.size_bytes).toBe(raw.length);
    expect(row!.body_text).toBe('I was charged twice for March. My bank statement is attached; please refund the second payment.');
    expect(row!.full_text).toBeNull(); // the same text as body_text, not written twice

    const attachments = await db.sql<{ part_id: string; filename: string; size_bytes: number; sha256: string; content_bytes: number | null }[]>`
      select part_id, filename, size_bytes, sha256, pg_column_size(content) as content_bytes from attachments where inbound_message_id = ${out.inboundId}`;
    expect(attachments).toEqual([{ part_id: '2', filename: 'statement.pdf', size_bytes: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), content_bytes: null }]);
    const back = await attachmentContent(row!.raw, { partId: attachments[0]!.part_id, sha256: attachments[0]!.sha256 });
    expect(back.equals(pdf)).toBe(true);

    // Stored once: the message's rows and their TOAST hold the raw bytes and little more.
    const [size] = await db.sql<{ bytes: number }[]>`
      select (select sum(pg_column_size(i.*)) from inbound_messages i where id = ${out.inboundId})::int
           + (select coalesce(sum(pg_column_size(a.*)), 0) from attachments a where inbound_message_id = ${out.inboundId})::int as bytes`;
    expect(size!.bytes).toBeGreaterThanOrEqual(raw.length);
    expect(size!.bytes).toBeLessThan(raw.length + 64 * 1024);
  });

  it('a batch mixing large and small messages, and a large one over the size limit (quarantined), stores every raw byte-identical', async () => {
    const big = [complaintWith('ann@example.com', 'big-2@example.com', bytes(2 * 1024 * 1024, 'a')), complaintWith('bob@example.com', 'big-3@example.com', bytes(3 * 1024 * 1024, 'b'))];
    const small = complaintWith('cat@example.com', 'small-1@example.com', Buffer.from('%PDF-1.4 small'));
    const over = complaintWith('dan@example.com', 'over-1@example.com', bytes(10 * 1024 * 1024, 'c'));
    expect(over.length).toBeGreaterThan(12 * 1024 * 1024);
    const raws = [big[0]!, small, big[1]!, over];
    const outcomes = await app.processBatch(raws.map((raw, i) => receive(raw, `batch-${i}.eml`)));
    expect(outcomes.map((o) => [o.status, o.kind])).toEqual([
      ['stored', 'complaint'],
      ['stored', 'complaint'],
      ['stored', 'complaint'],
      ['stored', 'quarantined'],
    ]);
    const rows = await db.sql<{ id: bigint; raw: Buffer; quarantine_reason: string | null }[]>`
      select id, raw, quarantine_reason from inbound_messages where id::text = any(${outcomes.map((o) => String(o.inboundId))}::text[]) order by id`;
    expect(rows.map((r) => r.id)).toEqual(outcomes.map((o) => o.inboundId));
    rows.forEach((r, i) => expect(r.raw.equals(raws[i]!)).toBe(true));
    expect(rows[3]!.quarantine_reason).toMatch(/^over limits: size: \d+ > 12582912 bytes$/);
  });

  it('the whole text is written besides what the customer wrote only when they differ (a quoted reply)', async () => {
    const body = 'Still no refund, please call me.\r\n\r\nOn Mon, 2 Nov 2026 at 10:00, Complaints <complaints@redress.test> wrote:\r\n> We have received your complaint.';
    const raw = Buffer.from([dmarcPass('eve@example.com'), 'From: eve@example.com', 'To: complaints@redress.test', 'Subject: Refund', 'Message-ID: <quoted-1@example.com>', '', body, ''].join('\r\n'));
    const out = await app.process(receive(raw, 'quoted.eml'));
    const [row] = await db.sql<{ body_text: string; full_text: string | null }[]>`select body_text, full_text from inbound_messages where id = ${out.inboundId}`;
    expect(row).toEqual({ body_text: 'Still no refund, please call me.', full_text: body.replace(/\r\n/g, '\n') + '\n' });
  });
});
