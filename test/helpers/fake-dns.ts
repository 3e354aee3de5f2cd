import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { DnsResolver } from '../../src/intake/mail-auth.ts';

/**
 * A DNS zone for sender-authentication tests: mailauth asks it instead of the network, so
 * SPF, DKIM and DMARC are verified for real against records the test controls.
 */
export interface FakeDns {
  resolver: DnsResolver;
  /** Publishes `v=spf1 ... -all`, a DMARC policy and, with `dkim`, a DKIM key for the domain. */
  domain(name: string, opts?: { spfIps?: string[]; dmarc?: 'reject' | 'none' | false; dkim?: boolean }): void;
  /** Signs a raw message as the domain (which must have been published with `dkim: true`). */
  sign(domain: string, raw: string): Promise<string>;
}

const SELECTOR = 'test';

export function fakeDns(): FakeDns {
  const txt = new Map<string, string[][]>();
  const keys = new Map<string, string>();
  const resolver: DnsResolver = async (name, rrtype) => {
    const found = rrtype === 'TXT' ? txt.get(name.toLowerCase()) : undefined;
    if (found) return found;
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: rrtype === 'TXT' ? 'ENOTFOUND' : 'ENODATA' });
  };
  return {
    resolver,
    domain(name, opts = {}) {
      const d = name.toLowerCase();
      txt.set(d, [[`v=spf1 ${(opts.spfIps ?? []).map((ip) => `ip4:${ip}`).join(' ')} -all`.replace('  ', ' ')]]);
      if (opts.dmarc !== false) txt.set(`_dmarc.${d}`, [[`v=DMARC1; p=${opts.dmarc ?? 'reject'}`]]);
      if (opts.dkim) {
        const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
        txt.set(`${SELECTOR}._domainkey.${d}`, [[`v=DKIM1; k=rsa; p=${der}`]]);
        keys.set(d, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      }
    },
    async sign(domain, raw) {
      const privateKey = keys.get(domain.toLowerCase());
      if (!privateKey) throw new Error(`no DKIM key published for ${domain}`);
      const { signatures, errors } = await dkimSign(Buffer.from(raw), {
        signingDomain: domain,
        selector: SELECTOR,
        privateKey,
        canonicalization: 'relaxed/relaxed',
        signatureData: [{ signingDomain: domain, selector: SELECTOR, privateKey }],
      });
      if (errors.length > 0 || !signatures.trim()) throw new Error(`DKIM signing failed: ${errors.map(String).join('; ')}`);
      return `${signatures}${raw}`;
    },
  };
}
