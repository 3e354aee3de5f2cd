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
 * An attachment's decoded bytes, from the raw message and the attachment's reference: the raw is
 * parsed as at intake (same layout and structure options, so the same part ids), every other part
 * read past. The digest must match, so what comes back is byte for byte what was received.
 */
export async function attachmentContent(raw: Buffer, ref: AttachmentRef): Promise<Buffer> {
  const layout = mimeLayout(raw, raw.length);
  // A header block costs mailsplit up to 64 bytes a line; whatever the stored message holds is allowed.
  const options = { ...structureOptions(layout, 64 * raw.length + 1024 * 1024), skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true };
  let found: Buffer | undefined;
  await streamMime(
    raw,
    layout,
    options,
    async (a) => {
      if (found || attachmentPartId(a) !== ref.partId) return drain(a);
      const chunks: Buffer[] = [];
      const hash = createHash('sha256');
      await drain(a, (chunk) => {
        chunks.push(chunk);
        hash.update(chunk);
      });
      if (hash.digest('hex') === ref.sha256) found = Buffer.concat(chunks);
    },
    READ_TIMEOUT_MS,
  );
  if (!found) throw new RedressError('not_found', `no attachment with part ${ref.partId} and sha256 ${ref.sha256} in the stored message`, { context: { ...ref } });
  return found;
}
