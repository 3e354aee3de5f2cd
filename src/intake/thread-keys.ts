import type { ParsedMessage } from './types.ts';

export interface ThreadKeys {
  /** In-Reply-To and References, deduplicated: matched against our outbound Message-IDs. */
  messageIds: string[];
  /** Tokens from plus-addressed recipients (complaints+<token>@...), lower-cased. */
  tokens: string[];
  /** "CMP-2026-000042/<token>" footers found in the subject or text (quotes included). */
  referencesWithToken: { reference: string; token: string }[];
  /** Every case reference named in the subject or text, upper-cased. */
  namedReferences: string[];
}

const REFERENCE = /(?<![A-Za-z0-9])CMP-\d{4}-\d{6}(?![0-9])/gi;
const FOOTER = /(?<![A-Za-z0-9])(CMP-\d{4}-\d{6})\/([a-z2-7]{16})(?![A-Za-z0-9])/gi;
const TOKEN = /^[a-z2-7]{16}$/;

/** Pure: the keys a message offers for threading; the database lookup is the caller's. */
export function extractThreadKeys(msg: ParsedMessage): ThreadKeys {
  const searchable = `${msg.subject}\n${msg.text}`;
  return {
    messageIds: unique([...(msg.inReplyTo ? [msg.inReplyTo] : []), ...msg.references]),
    tokens: plusTokens([...msg.to, ...msg.cc].map((a) => a.address).concat(msg.deliveredTo)),
    referencesWithToken: footers(searchable),
    namedReferences: unique([...searchable.matchAll(REFERENCE)].map((m) => m[0].toUpperCase())),
  };
}

function plusTokens(addresses: string[]): string[] {
  const tokens = addresses.map((address) => {
    const local = address.toLowerCase().split('@')[0] ?? '';
    const plus = local.indexOf('+');
    return plus === -1 ? '' : local.slice(plus + 1);
  });
  return unique(tokens.filter((t) => TOKEN.test(t)));
}

function footers(text: string): { reference: string; token: string }[] {
  const seen = new Set<string>();
  const found: { reference: string; token: string }[] = [];
  for (const m of text.matchAll(FOOTER)) {
    const reference = (m[1] ?? '').toUpperCase();
    const token = (m[2] ?? '').toLowerCase();
    if (seen.has(`${reference}/${token}`)) continue;
    seen.add(`${reference}/${token}`);
    found.push({ reference, token });
  }
  return found;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
