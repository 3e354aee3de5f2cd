import { createHash } from 'node:crypto';
import type { AttachmentStream } from 'mailparser';
import { RedressError } from '../errors.ts';
import { drain, mimeLayout, streamMime, structureOptions } from './mime-stream.ts';

/** Where an attachment's bytes are: its part of the raw message it came in, and their digest. */
export interface AttachmentRef {
  partId: string;
  sha256: string;
}

/** Reading a stored message again is not bounded by the intake's parse timeout, only by this. */
const READ_TIMEOUT_MS = 120_000;

/** The IMAP-style part number mailparser gives an attachment; '1' for the body of a message that is not multipart. */
export function attachmentPartId(a: Pick<AttachmentStream, 'partId'>): string {
  return a.partId ?? '1';
}

/**
 * Attachments' decoded bytes, from the raw message they came in and their references, in one
 * pass: the raw is parsed as at intake (same layout and structure options, so the same part
 * ids), every other part read past. Each digest must match, so what comes back is byte for byte
 * what was received; a reference that matches no part is not_found.
 */
export async function attachmentContents(raw: Buffer, refs: readonly AttachmentRef[]): Promise<Buffer[]> {
  const layout = mimeLayout(raw, raw.length);
  // A header block costs mailsplit up to 64 bytes a line; whatever the stored message holds is allowed.
  const options = { ...structureOptions(layout, 64 * raw.length + 1024 * 1024), skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true };
  const found = new Map<string, Buffer>();
  const wanted = new Set(refs.map((r) => r.partId));
  const read = async (a: AttachmentStream) => {
    const partId = attachmentPartId(a);
    if (!wanted.has(partId)) return drain(a);
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    await drain(a, (chunk) => {
      chunks.push(chunk);
      hash.update(chunk);
    });
    found.set(`${partId} ${hash.digest('hex')}`, Buffer.concat(chunks));
  };
  await streamMime(raw, layout, options, read, READ_TIMEOUT_MS);
  return refs.map((ref) => {
    const content = found.get(`${ref.partId} ${ref.sha256}`);
    if (!content) throw new RedressError('not_found', `no attachment with part ${ref.partId} and sha256 ${ref.sha256} in the stored message`, { context: { ...ref } });
    return content;
  });
}

/** One attachment's decoded bytes (see attachmentContents). */
export async function attachmentContent(raw: Buffer, ref: AttachmentRef): Promise<Buffer> {
  return (await attachmentContents(raw, [ref]))[0]!;
}
