import { describe, expect, it } from 'vitest';
import { buildCaseFile } from '../../src/export/case-file.ts';
import type { CaseRecord } from '../../src/export/case-file-repo.ts';

const at = (iso: string) => new Date(iso);
const EXPORTED = at('2026-10-01T12:00:00Z');

function record(over: Partial<CaseRecord> = {}): CaseRecord {
  return {
    kase: {
      id: 1n, reference: 'CMP-2026-000001', status: 'closed', channel: 'letter', subject: 'Bill', received_at: at('2026-09-01T10:00:00Z'),
      acknowledged_at: at('2026-09-01T10:00:00Z'), outcome: 'Refunded.', outcome_sent_at: at('2026-09-02T10:00:00Z'), closed_at: at('2026-09-07T10:00:00Z'),
      closure_reason: 'confirmed', flags: [], owner_role: 'rep', redacted_at: null, customer_email: 'pat@example.com', customer_name: 'Pat',
      representative_email: null, representative_name: null,
    },
    inbound: [
      { id: 7n, message_id: 'c@x', kind: 'complaint', received_at: at('2026-09-01T10:00:00Z'), from_address: 'pat@example.com', to_addresses: [], subject: 'Bill', raw: Buffer.from('complaint'), raw_sha256: 'abc', size_bytes: 9, redacted_at: null },
      { id: 9n, message_id: 'r@x', kind: 'reply', received_at: at('2026-09-03T10:00:00Z'), from_address: 'pat@example.com', to_addresses: [], subject: 'Re', raw: null, raw_sha256: 'def', size_bytes: 5, redacted_at: at('2026-09-20T00:00:00Z') },
    ],
    attachments: [
      { id: 1n, inbound_message_id: 7n, filename: '..\\evil name?.pdf', content_type: 'application/pdf', size_bytes: 3, sha256: 'p1', content: Buffer.from('pdf') },
      { id: 2n, inbound_message_id: 7n, filename: null, content_type: 'image/png', size_bytes: 3, sha256: 'p2', content: null },
    ],
    outbound: [{ id: 3n, message_id: 'a@redress', kind: 'ack', audience: 'customer', to_addresses: ['pat@example.com'], subject: 'Ack', status: 'sent', created_at: at('2026-09-01T10:00:00Z'), sent_at: null, raw: Buffer.from('ack') }],
    deadlines: [
      { id: 1n, rule: 'R1', kind: 'ack', due_at: at('2026-09-02T10:00:00Z'), status: 'met', created_at: at('2026-09-01T10:00:00Z'), resolved_at: at('2026-09-01T10:00:00Z') },
      { id: 2n, rule: 'R3', kind: 'update', due_at: at('2026-09-08T10:00:00Z'), status: 'missed', created_at: at('2026-09-01T10:00:00Z'), resolved_at: at('2026-09-09T13:00:00Z') },
      { id: 3n, rule: 'R7', kind: 'director', due_at: at('2026-09-28T10:00:00Z'), status: 'pending', created_at: at('2026-09-23T10:00:00Z'), resolved_at: null },
      { id: 4n, rule: 'R14', kind: 'adr', due_at: at('2026-10-27T10:00:00Z'), status: 'pending', created_at: at('2026-09-01T10:00:00Z'), resolved_at: null },
      { id: 5n, rule: 'R3', kind: 'update', due_at: at('2026-09-15T10:00:00Z'), status: 'replanned', created_at: at('2026-09-09T13:00:00Z'), resolved_at: at('2026-09-10T10:00:00Z') },
    ],
    history: [
      { id: 11n, at: at('2026-09-01T10:00:00Z'), actor: 'customer:pat@example.com', event: 'case.opened', data: {}, inbound_message_id: 7n, outbound_message_id: null },
      { id: 12n, at: at('2026-09-01T10:00:00Z'), actor: 'system', event: 'message.queued', data: { kind: 'ack' }, inbound_message_id: null, outbound_message_id: 3n },
      { id: 13n, at: at('2026-09-07T10:00:00Z'), actor: 'staff:rita@telco.test', event: 'case.closed', data: { rule: 'R11', reason: 'confirmed', confirmed_by: 'post', letter_date: '2026-09-05' }, inbound_message_id: null, outbound_message_id: null },
    ],
    ...over,
  };
}

describe('the case file (pure)', () => {
  const { entries, timeline } = buildCaseFile(record(), EXPORTED, 'Redress Telecom');

  it('numbers messages in the order they happened, an arrival before our answer at the same instant', () => {
    expect(timeline.messages.map((m) => [m.n, m.direction, m.kind, m.file])).toEqual([
      [1, 'in', 'complaint', 'messages/001-in-complaint.eml'],
      [2, 'out', 'ack', 'messages/002-out-ack.eml'],
      [3, 'in', 'reply', null],
    ]);
    expect(timeline.events.map((ev) => [ev.id, ev.message])).toEqual([[11, 1], [12, 2], [13, null]]);
  });

  it('writes only what is still there, under safe names, and lists what was purged', () => {
    expect(entries.map((f) => [f.path, f.content.toString()])).toEqual([
      ['messages/001-in-complaint.eml', 'complaint'],
      ['attachments/001-1-evil_name_.pdf', 'pdf'],
      ['messages/002-out-ack.eml', 'ack'],
    ]);
    expect(timeline.messages[0]!.attachments.map((a) => [a.file, a.purged])).toEqual([['attachments/001-1-evil_name_.pdf', false], [null, true]]);
    expect(timeline.purged).toMatchObject({ at: null, reason: null, messages: 1, attachments: 1 });
  });

  it('says how each deadline was kept: met, missed by how much, overdue at export, still pending, replanned', () => {
    expect(timeline.deadlines.map((d) => [d.kind, d.verdict, d.late_seconds])).toEqual([
      ['ack', 'met at 2026-09-01T10:00:00.000Z', null],
      ['update', 'missed by 1 d 3 h', 27 * 3600],
      ['director', 'overdue by 3 d 2 h at export', 3 * 86400 + 2 * 3600],
      ['adr', 'pending', null],
      ['update', 'replanned at 2026-09-10T10:00:00.000Z: a later due date replaced it', null],
    ]);
  });

  it('reads a closure confirmed by post, with the letter date, from the record', () => {
    expect(timeline.closure).toEqual({ closed_at: '2026-09-07T10:00:00.000Z', reason: 'confirmed', confirmed_by: 'post', letter_date: '2026-09-05' });
    expect(timeline.case.channel).toBe('letter');
  });
});
