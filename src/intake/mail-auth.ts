import { authenticate } from 'mailauth';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { parseAuthResults, type AuthResult } from './sender-auth.ts';

/** A DNS lookup as mailauth calls it; tests hand in one over a fixed zone. */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

export interface ReceiverEnvelope {
  /** The connecting client's address. */
  ip: string;
  helo?: string;
  /** MAIL FROM; '' for the null sender. */
  mailFrom: string;
}

export interface ReceiverAuthOptions {
  /** Our host name, the authserv-id of the results. */
  mta: string;
  resolver?: DnsResolver;
  timeoutMs?: number;
  log: Logger;
}

/**
 * SPF (from the connecting address and MAIL FROM), DKIM and DMARC, verified by Redress
 * itself when it is the receiving server. The results are judged later against the
 * parsed From domain (`judge` in sender-auth.ts). A DNS failure or timeout yields no
 * results, which judges as "no evidence", never as a pass.
 */
export async function verifyAsReceiver(raw: Buffer, env: ReceiverEnvelope, opts: ReceiverAuthOptions): Promise<AuthResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sender authentication took longer than ${opts.timeoutMs ?? 15_000} ms`)), opts.timeoutMs ?? 15_000);
  });
  try {
    const result = await Promise.race([
      authenticate(raw, {
        ip: env.ip,
        helo: env.helo,
        sender: env.mailFrom,
        mta: opts.mta,
        ...(opts.resolver ? { resolver: opts.resolver } : {}),
        disableArc: true,
        disableBimi: true,
      }),
      timeout,
    ]);
    return parseAuthResults(authResultsOf(result.headers));
  } catch (err) {
    opts.log.warn({ err: errorMessage(err), ip: env.ip }, 'sender authentication could not run; the message counts as unauthenticated');
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function authResultsOf(headers: string): string[] {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  return [...unfolded.matchAll(/^authentication-results:\s*(.*)$/gim)].map((m) => m[1] ?? '');
}
