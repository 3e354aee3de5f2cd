import { MailParser } from 'mailparser';
import type { AttachmentStream, HeaderLines, Headers, MailParserOptions, MessageText } from 'mailparser';
import { feedChunks, isCrOnly, isReportHeader, topHeader } from './raw-mime.ts';

/** What mailparser's streaming parser says about a message besides its attachments. */
export interface StreamedMail {
  headers: Headers;
  headerLines: HeaderLines;
  text?: string;
  html?: string;
  textConversionError?: Error;
}

/** Reads (or discards) one attachment's content; the parser waits for it before going on. */
export type AttachmentReader = (attachment: AttachmentStream) => Promise<void>;

/** How the bytes are fed and which parts are parts: fixed by the raw message, so a second parse numbers its parts the same. */
export interface MimeLayout {
  crOnly: boolean;
  /** A multipart/report keeps its returned message whole (an attachment, not parsed into the report). */
  isReport: boolean;
}

export function mimeLayout(raw: Buffer, headerWindow: number): MimeLayout {
  const crOnly = isCrOnly(raw);
  return { crOnly, isReport: isReportHeader(topHeader(raw, crOnly, headerWindow).header) };
}

/** Parser options that decide the part structure (and so each attachment's part id): the same for intake and for reading an attachment back. */
export function structureOptions(layout: MimeLayout, maxHeadSize: number): MailParserOptions {
  return { keepDeliveryStatus: true, ignoreEmbedded: layout.isReport, checksumAlgo: 'sha256', maxHeadSize };
}

/**
 * Parses `raw` with mailparser's streaming parser, fed 64 KiB at a time: each attachment's
 * decoded content goes to `onAttachment` as a stream, never buffered here. Rejects on a parser
 * error, or when it has not finished within `timeoutMs` (the parser is stopped then).
 */
export async function streamMime(raw: Buffer, layout: MimeLayout, options: MailParserOptions, onAttachment: AttachmentReader, timeoutMs: number): Promise<StreamedMail> {
  const parser = new MailParser(options);
  const mail: StreamedMail = { headers: new Map(), headerLines: [] };
  parser.on('headers', (h: Headers) => (mail.headers = h));
  parser.on('headerLines', (l: HeaderLines) => (mail.headerLines = l));
  // `on`, not `once`: mailparser may emit more than one error, and an unheard one would end the process.
  const failed = new Promise<never>((_, reject) => parser.on('error', reject));
  const timer = setTimeout(() => parser.destroy(new Error(`parser gave no result within ${timeoutMs} ms`)), timeoutMs);
  timer.unref();
  const read = async () => {
    for await (const data of parser as AsyncIterable<AttachmentStream | MessageText>) {
      if (data.type === 'text') Object.assign(mail, pickText(data));
      else {
        await onAttachment(data);
        data.release?.();
      }
    }
  };
  const feed = async () => {
    for (const chunk of feedChunks(raw, layout.crOnly)) {
      if (parser.destroyed) return;
      if (!parser.write(chunk)) await drained(parser);
    }
    if (!parser.destroyed) parser.end();
  };
  try {
    await Promise.race([Promise.all([read(), feed()]), failed]);
    return mail;
  } finally {
    clearTimeout(timer);
    if (!parser.destroyed) parser.destroy();
  }
}

/** Reads an attachment to its end, passing each chunk on; for a reader that needs only part of it, or none. */
export async function drain(a: AttachmentStream, onChunk: (chunk: Buffer) => void = () => {}): Promise<void> {
  for await (const chunk of a.content as AsyncIterable<Buffer>) onChunk(chunk);
}

/** Until the parser takes more input, or is gone. */
function drained(parser: MailParser): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done).off('close', done);
      resolve();
    };
    parser.on('drain', done).on('close', done);
  });
}

function pickText(t: MessageText): Partial<StreamedMail> {
  return {
    ...(t.text !== undefined ? { text: t.text } : {}),
    ...(typeof t.html === 'string' ? { html: t.html } : {}),
    ...(t.textConversionError ? { textConversionError: t.textConversionError } : {}),
  };
}
