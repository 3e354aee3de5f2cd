import { createHash } from 'node:crypto';

/**
 * What makes two arrivals the same message. The Message-ID alone cannot: a stranger who
 * sends first with the Message-ID a customer's complaint will carry must not make the real
 * complaint a "duplicate". Two deliveries of one message differ only in the trace fields
 * relays prepend, so the content digest skips those and hashes the rest.
 */
const TRACE_FIELD = /^(return-path|received|x-received|delivered-to|x-original-to|envelope-to|x-delivered-to|authentication-results|arc-[a-z-]+|received-spf|dkim-filter|dmarc-filter|x-spam-[a-z-]+|x-rspamd-[a-z-]+|x-virus-[a-z-]+)$/i;

/** sha256 of the message from its first field that is not delivery trace. */
export function contentSha256(raw: Buffer): string {
  return createHash('sha256').update(raw.subarray(afterTrace(raw))).digest('hex');
}

function afterTrace(raw: Buffer): number {
  let pos = 0;
  const limit = Math.min(raw.length, 1024 * 1024);
  while (pos < limit) {
    const colon = raw.indexOf(0x3a, pos);
    const eol = raw.indexOf(0x0a, pos);
    if (colon === -1 || (eol !== -1 && eol < colon)) return pos;
    if (!TRACE_FIELD.test(raw.toString('latin1', pos, colon).trim())) return pos;
    pos = endOfField(raw, eol);
  }
  return pos;
}

/** The offset after a field and its folded continuation lines. */
function endOfField(raw: Buffer, eol: number): number {
  let end = eol;
  while (end !== -1 && (raw[end + 1] === 0x20 || raw[end + 1] === 0x09)) end = raw.indexOf(0x0a, end + 1);
  return end === -1 ? raw.length : end + 1;
}

/** The identity a second, different message with an already-seen Message-ID is stored under. */
export function collisionIdentity(identity: string, content: string): string {
  return `${identity}#${content.slice(0, 16)}`;
}
