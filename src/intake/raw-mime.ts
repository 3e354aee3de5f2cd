/**
 * What the intake reads straight off the raw bytes, before (and alongside) mailparser: where
 * lines end, the top-level header, how deeply MIME containers nest. Works on the Buffer itself,
 * a line at a time, so a large message is never turned into a string or copied whole.
 */

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** Header text kept per part for the depth scan: enough for any Content-Type. */
const MAX_PART_HEADER = 65_536;
/** Bytes the parser is fed at a time: mailsplit copies what it is given, so never the whole message. */
export const FEED_CHUNK = 64 * 1024;

/**
 * Old Mac mail ends lines with a lone CR: the header block has CRs and no LF before its end.
 * Such a message is parsed with every lone CR read as CRLF (`feedChunks`, `mimeDepth`).
 */
export function isCrOnly(raw: Buffer): boolean {
  const lf = raw.indexOf(LF);
  return lf === -1 ? raw.includes(CR) : raw.subarray(0, lf).includes('\r\r');
}

/** The top-level header block, latin1-decoded, looked for in the first `window` bytes; the first `window` bytes when it does not end there. */
export function topHeader(raw: Buffer, crOnly: boolean, window: number): { header: string; complete: boolean } {
  const head = raw.subarray(0, Math.min(raw.length, window + 4));
  const ends = (crOnly ? [head.indexOf('\r\r')] : [head.indexOf('\n\n'), head.indexOf('\r\n\r\n')]).filter((i) => i >= 0);
  const end = ends.length === 0 ? -1 : Math.min(...ends);
  return { header: head.toString('latin1', 0, end === -1 ? Math.min(head.length, window) : end), complete: end !== -1 };
}

/** Whether mailparser must keep embedded messages whole: a multipart/report's returned message is evidence, not content. */
export function isReportHeader(header: string): boolean {
  return /^content-type:[ \t]*multipart\/report/im.test(header);
}

/** The raw bytes in chunks of at most FEED_CHUNK (plus the LFs added), lone CRs made CRLF when `crOnly`. */
export function* feedChunks(raw: Buffer, crOnly: boolean): Generator<Buffer> {
  let pendingCr = false;
  for (let at = 0; at < raw.length; at += FEED_CHUNK) {
    const chunk = raw.subarray(at, at + FEED_CHUNK);
    if (!crOnly) {
      yield chunk;
      continue;
    }
    const parts: Buffer[] = [];
    if (pendingCr) parts.push(chunk[0] === LF ? Buffer.from('\r') : Buffer.from('\r\n'));
    pendingCr = false;
    let start = 0;
    for (let i = chunk.indexOf(CR); i !== -1; i = chunk.indexOf(CR, i + 1)) {
      if (i === chunk.length - 1) {
        parts.push(chunk.subarray(start, i));
        start = chunk.length;
        pendingCr = true;
      } else if (chunk[i + 1] !== LF) {
        parts.push(chunk.subarray(start, i + 1), Buffer.from('\n'));
        start = i + 1;
      }
    }
    parts.push(chunk.subarray(start));
    yield Buffer.concat(parts);
  }
  if (pendingCr) yield Buffer.from('\r\n');
}

/**
 * How deeply multipart and message/rfc822 containers nest, counted on the raw bytes by following
 * boundaries; linear, and stops as soon as it passes `max`.
 */
export function mimeDepth(raw: Buffer, max: number, crOnly = false): number {
  const stack: Array<string | null> = [];
  const lines = new LineEnds(raw, crOnly);
  let inHeader = true;
  let header = '';
  let deepest = 0;
  for (let pos = 0; pos <= raw.length; ) {
    const start = pos;
    const eol = lines.next(pos);
    const end = eol > start && raw[eol - 1] === CR && (eol === raw.length || raw[eol] === LF) ? eol - 1 : eol;
    pos = eol + 1;
    const dashes = end - start >= 2 && raw[start] === DASH && raw[start + 1] === DASH;
    const boundary = dashes ? matchBoundary(stack, raw.toString('latin1', start, end)) : null;
    if (boundary) {
      stack.length = boundary.closes ? boundary.index : boundary.index + 1;
      inHeader = !boundary.closes;
      header = '';
    } else if (inHeader && end === start) {
      inHeader = false;
      const container = containerOf(header);
      header = '';
      if (container !== undefined) {
        stack.push(container);
        deepest = Math.max(deepest, stack.length);
        if (deepest > max) return deepest;
        inHeader = container === null; // a message/rfc822 body starts with its own header
      }
    } else if (inHeader && header.length < MAX_PART_HEADER) {
      const line = raw.toString('latin1', start, Math.min(end, start + MAX_PART_HEADER));
      header += /^[ \t]/.test(line) ? ` ${line.trim()}` : `\n${line}`;
    }
  }
  return deepest;
}

/** Where each line ends: at LF, or also at a lone CR in a CR-only message. Remembers the next of each, so scanning stays linear. */
class LineEnds {
  private lf = -2;
  private loneCr = -2;

  constructor(
    private readonly raw: Buffer,
    private readonly crOnly: boolean,
  ) {}

  /** Index of the byte that ends the line starting at `pos` (raw.length for the last line). */
  next(pos: number): number {
    if (this.lf !== -1 && this.lf < pos) this.lf = this.raw.indexOf(LF, pos);
    let end = this.lf === -1 ? this.raw.length : this.lf;
    if (!this.crOnly) return end;
    if (this.loneCr !== -1 && this.loneCr < pos) this.loneCr = this.findLoneCr(pos);
    if (this.loneCr !== -1 && this.loneCr < end) end = this.loneCr;
    return end;
  }

  private findLoneCr(from: number): number {
    let i = this.raw.indexOf(CR, from);
    while (i !== -1 && this.raw[i + 1] === LF) i = this.raw.indexOf(CR, i + 1);
    return i;
  }
}

function matchBoundary(stack: Array<string | null>, line: string): { index: number; closes: boolean } | null {
  for (let i = stack.length - 1; i >= 0; i--) {
    const b = stack[i];
    if (!b || !line.startsWith(`--${b}`)) continue;
    const rest = line.slice(2 + b.length).trimEnd();
    if (rest === '--') return { index: i, closes: true };
    if (rest === '') return { index: i, closes: false };
  }
  return null;
}

/** A multipart's boundary, null for an embedded message, undefined for a leaf part. */
function containerOf(header: string): string | null | undefined {
  const ct = /\ncontent-type:[ \t]*([^;\s]+)([^\n]*)/i.exec(header);
  const type = ct?.[1]?.toLowerCase() ?? 'text/plain';
  if (type.startsWith('multipart/')) {
    const b = /boundary[ \t]*=[ \t]*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(ct?.[2] ?? '');
    return b ? (b[1] ?? b[2] ?? undefined) : undefined;
  }
  return /^message\/(rfc822|global|news)$/.test(type) ? null : undefined;
}
