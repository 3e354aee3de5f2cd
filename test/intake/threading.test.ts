import { describe, expect, it } from 'vitest';
import { followUpParts, type BatchItem } from '../../src/intake/batch.ts';
import { lookupThread, type ThreadIndex } from '../../src/intake/threading.ts';
import type { ThreadKeys } from '../../src/intake/thread-keys.ts';
import type { ParsedMessage } from '../../src/intake/types.ts';

const alices = { id: 1n, reference: 'CMP-2026-000001', token: 'aaaaaaaaaaaaaaaa', status: 'new', customer_email: 'alice@example.com', customer_registered_email: null, representative_email: null };
const mallorys = { id: 2n, reference: 'CMP-2026-000002', token: 'bbbbbbbbbbbbbbbb', status: 'new', customer_email: 'mallory@evil.test', customer_registered_email: null, representative_email: null };
const at = (minute: number) => new Date(Date.UTC(2026, 8, 1, 10, minute));

function index(over: Partial<ThreadIndex>): ThreadIndex {
  return { outbound: [], inbound: [], cases: [alices, mallorys], ...over };
}

function keys(over: Partial<ThreadKeys>): ThreadKeys {
  return { messageIds: [], tokens: [], referencesWithToken: [], namedReferences: [], ...over };
}

describe('threading: the case a message follows up', () => {
  it("the customer's own complaint named in In-Reply-To threads to its case", () => {
    const { thread } = lookupThread(index({ inbound: [{ message_id: 'c1@example.com', case_id: 1n, kind: 'complaint', received_at: at(0) }] }), keys({ messageIds: ['c1@example.com'] }), 'alice@example.com');
    expect(thread).toEqual({ caseId: 1n, reference: 'CMP-2026-000001', status: 'new', via: 'headers', caseAddresses: ['alice@example.com'] });
  });

  it("a Message-ID on two cases (one reused it) threads each sender to their own case, whichever came later", () => {
    const idx = index({
      inbound: [
        { message_id: 'reused@example.com', case_id: 2n, kind: 'complaint', received_at: at(0) },
        { message_id: 'reused@example.com', case_id: 1n, kind: 'complaint', received_at: at(5) },
      ],
    });
    const k = keys({ messageIds: ['reused@example.com'] });
    expect(lookupThread(idx, k, 'alice@example.com').thread?.caseId).toBe(1n);
    expect(lookupThread(idx, k, 'mallory@evil.test').thread?.caseId).toBe(2n);
    // Someone on neither case gets the latest, where the stranger rule records it for staff.
    expect(lookupThread(idx, k, 'eve@evil.test').thread).toMatchObject({ caseId: 1n, caseAddresses: ['alice@example.com'] });
  });

  it('a follow-up answering only mail staff sent in (a command on the case) is forged; with the customer\'s own mail too it is not', () => {
    const idx = index({
      inbound: [
        { message_id: 'cmd@telco.test', case_id: 1n, kind: 'staff', received_at: at(10) },
        { message_id: 'c1@example.com', case_id: 1n, kind: 'complaint', received_at: at(0) },
      ],
    });
    expect(lookupThread(idx, keys({ messageIds: ['cmd@telco.test'] }), 'alice@example.com').thread?.forged).toBe('it answers a message that only staff received');
    expect(lookupThread(idx, keys({ messageIds: ['c1@example.com', 'cmd@telco.test'] }), 'alice@example.com').thread?.forged).toBeUndefined();
  });

  it("mail on the case and our own message both count; a token naming another case makes the thread forged", () => {
    const idx = index({
      outbound: [{ id: 9n, message_id: 'ack@redress.test', case_id: 1n, audience: 'customer', created_at: at(1) }],
      inbound: [{ message_id: 'c1@example.com', case_id: 1n, kind: 'complaint', received_at: at(0) }],
    });
    expect(lookupThread(idx, keys({ messageIds: ['c1@example.com', 'ack@redress.test'] }), 'alice@example.com').thread?.forged).toBeUndefined();
    expect(lookupThread(idx, keys({ messageIds: ['c1@example.com'], tokens: [mallorys.token] }), 'alice@example.com').thread?.forged).toBe(
      'its Message-IDs name CMP-2026-000001 but its case token names CMP-2026-000002',
    );
  });

  it('a Message-ID on no case leaves only the named reference, which acts for nobody but staff', () => {
    expect(lookupThread(index({}), keys({ messageIds: ['unknown@example.com'], namedReferences: ['CMP-2026-000001'] }), 'alice@example.com')).toEqual({
      thread: null,
      namedReference: { caseId: 1n, reference: 'CMP-2026-000001', status: 'new', via: 'reference', caseAddresses: ['alice@example.com'] },
    });
  });
});

describe('a batch in parts: a follow-up is decided after the message it answers is written', () => {
  const item = (messageId: string, inReplyTo?: string, references: string[] = []): BatchItem =>
    ({ input: { raw: Buffer.from(messageId), receivedAt: at(0), source: 'imap' }, content: messageId, parsed: { ok: true, message: { messageId, inReplyTo, references } as unknown as ParsedMessage } }) as BatchItem;
  const ids = (parts: BatchItem[][]) => parts.map((p) => p.map((i) => (i.parsed.ok ? i.parsed.message.messageId : '')));

  it('is one part when no message answers another of the batch', () => {
    expect(ids(followUpParts([item('a'), item('b', 'elsewhere'), item('c')]))).toEqual([['a', 'b', 'c']]);
  });

  it('is cut before a forward whose attached original is a message (or the original of a forward) earlier in its part', () => {
    const forward = (messageId: string, original: string): BatchItem => ({ ...item(messageId), attached: { raw: Buffer.from(original), content: original, parsed: { ok: true, message: { messageId: original } as unknown as ParsedMessage } } });
    expect(ids(followUpParts([item('o1'), forward('f1', 'o1'), forward('f2', 'o2'), forward('f3', 'o2')]))).toEqual([['o1'], ['f1', 'f2'], ['f3']]);
  });

  it('is cut before each follow-up to a message earlier in its part, keeping arrival order', () => {
    expect(ids(followUpParts([item('a'), item('b'), item('c', 'a'), item('d'), item('e', undefined, ['x', 'd']), item('f', 'a')]))).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
  });
});
