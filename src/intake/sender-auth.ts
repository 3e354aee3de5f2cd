/**
 * Is the sender who the From header claims? Pure: evidence in, a verdict out.
 *
 * Two sources of evidence, never mixed:
 * - `authserv`: Authentication-Results headers written by the MTA in front of us (IMAP
 *   intake, or SMTP/LMTP behind an MTA), trusted only when they carry AUTHSERV_ID and only
 *   in the topmost run of them, the ones that MTA prepended (RFC 8601 section 5); anything a
 *   sender wrote further down is ignored.
 * - `receiver`: SPF, DKIM and DMARC computed by Redress itself when it is the receiving
 *   server (SMTP intake without AUTHSERV_ID); see `mail-auth.ts`.
 * The address a message came from is never evidence: a local MTA relaying to the listener
 * makes every message look local.
 */

export type AuthVerdict = 'pass' | 'fail' | 'none';

export interface SenderAuth {
  method: 'authserv' | 'receiver' | 'none';
  /** pass: DMARC (or aligned DKIM) vouches for the From domain; fail: evidence the From is forged; none: no evidence either way. */
  verdict: AuthVerdict;
  fromDomain?: string;
  dmarc?: string;
  spf?: string;
  dkim?: { result: string; domain?: string }[];
  /** Short human-readable reasons, for the record and for staff. */
  detail: string[];
}

export interface AuthResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

export const NO_AUTH: SenderAuth = { method: 'none', verdict: 'none', detail: ['no sender authentication available'] };

/** Header names an MTA and its filters add on delivery, above the Authentication-Results it writes. */
const DELIVERY_TRACE = /^(return-path|delivered-to|x-original-to|envelope-to|x-delivered-to|received|x-received|received-spf|arc-seal|arc-message-signature|arc-authentication-results|dkim-filter|dmarc-filter|x-spam-[a-z-]+|x-rspamd-[a-z-]+|x-virus-[a-z-]+)$/;
/** OpenDKIM and OpenDMARC name themselves between the results they add. */
const FILTER_SOFTWARE = /^(dkim-filter|dmarc-filter)$/;
/**
 * Microsoft 365 writes Authentication-Results without the authserv-id RFC 8601 requires
 * ("Authentication-Results: spf=pass ...; dmarc=pass ..."), above its own X-MS-* fields.
 * AUTHSERV_ID=microsoft365 trusts the topmost such header.
 */
export const MICROSOFT_365 = 'microsoft365';
const MICROSOFT_TRACE = /^(x-ms-[a-z0-9-]+|x-microsoft-[a-z0-9-]+|x-forefront-[a-z0-9-]+|x-eopattributedmessage|x-eoptenantattributedmessage|x-incomingheadercount|x-incomingtopheadermarker|x-originatororg|x-mtk|x-sid-pra|x-sid-result)$/;

/**
 * The Authentication-Results values our MTA wrote: the first run of consecutive headers
 * carrying `authservId`, found among the delivery trace at the top of the header block.
 * The search stops at the first header that belongs to the message itself, so a forged
 * header in the sender's own header block is never reached.
 */
export function trustedAuthResults(headerLines: readonly { name: string; value: string }[], authservId: string): string[] {
  const id = authservId.trim().toLowerCase();
  const microsoft = id === MICROSOFT_365;
  const ours = (value: string) => (microsoft ? !hasAuthservId(value) : authservIdOf(value) === id);
  const run: string[] = [];
  for (const { name, value } of headerLines) {
    if (name === 'authentication-results' && ours(value)) {
      run.push(value);
      continue;
    }
    if (run.length > 0 ? !FILTER_SOFTWARE.test(name) : !DELIVERY_TRACE.test(name) && !(microsoft && MICROSOFT_TRACE.test(name))) break;
  }
  return run;
}

/** RFC 8601: `authserv-id [version]; resinfo; ...`. */
export function authservIdOf(value: string): string {
  return hasAuthservId(value) ? ((withoutComments(value).split(';')[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '') : '';
}

/** False for a header that opens with a result (`spf=pass ...`), as Microsoft 365 writes them. */
function hasAuthservId(value: string): boolean {
  return !/^\s*[a-z0-9_-]+(?:\/\d+)?\s*=/i.test(withoutComments(value));
}

/** Every `method=result prop=value ...` in the given header values. */
export function parseAuthResults(values: readonly string[]): AuthResult[] {
  return values.flatMap((value) =>
    splitOutsideQuotes(withoutComments(value))
      .slice(hasAuthservId(value) ? 1 : 0)
      .flatMap((resinfo) => {
        const m = /^\s*([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z]+)\b(.*)$/is.exec(resinfo);
        if (!m) return [];
        const props = Object.fromEntries(
          [...(m[3] ?? '').matchAll(/\b((?:header|smtp|body|policy)\.[a-z0-9_-]+)\s*=\s*"?([^\s";]+)"?/gi)].map((p) => [(p[1] ?? '').toLowerCase(), (p[2] ?? '').toLowerCase()]),
        );
        return [{ method: (m[1] ?? '').toLowerCase(), result: (m[2] ?? '').toLowerCase(), props }];
      }),
  );
}

/**
 * The evidence this deployment can trust: what Redress computed as the receiving server,
 * else the MTA's Authentication-Results under AUTHSERV_ID, else none.
 */
export function judgeSender(
  authservId: string | undefined,
  receiverAuth: readonly AuthResult[] | undefined,
  headerLines: readonly { name: string; value: string }[],
  fromAddress: string | undefined,
): SenderAuth {
  const fromDomain = domainOf(fromAddress);
  if (receiverAuth) return judge('receiver', receiverAuth, fromDomain);
  if (authservId) return senderAuthFromHeaders(headerLines, authservId, fromDomain);
  return NO_AUTH;
}

/** The verdict from the MTA's trusted Authentication-Results for a message whose From domain is `fromDomain`. */
export function senderAuthFromHeaders(headerLines: readonly { name: string; value: string }[], authservId: string, fromDomain: string | undefined): SenderAuth {
  const run = trustedAuthResults(headerLines, authservId);
  if (run.length === 0) return { method: 'authserv', verdict: 'none', fromDomain, detail: [`no Authentication-Results from ${authservId} at the top of the message`] };
  return judge('authserv', parseAuthResults(run), fromDomain);
}

/**
 * Judges results for the From domain. DMARC decides when present: any fail wins over a
 * pass, and a pass counts only for the From domain. Without DMARC, a DKIM pass by an
 * aligned domain vouches, and an SPF fail for the From domain is evidence of forgery.
 */
export function judge(method: SenderAuth['method'], results: readonly AuthResult[], fromDomain: string | undefined): SenderAuth {
  const base = { method, fromDomain, ...summary(results) };
  if (!fromDomain) return { ...base, verdict: 'none', detail: ['the message has no From domain to authenticate'] };
  const dmarc = results.filter((r) => r.method === 'dmarc' && (!r.props['header.from'] || r.props['header.from'] === fromDomain));
  const dmarcElsewhere = results.filter((r) => r.method === 'dmarc' && r.props['header.from'] && r.props['header.from'] !== fromDomain);
  if (dmarc.some((r) => r.result === 'fail')) return { ...base, verdict: 'fail', detail: [`dmarc=fail for ${fromDomain}`] };
  if (dmarc.length > 0) {
    const all = dmarc.every((r) => r.result === 'pass');
    return { ...base, verdict: all ? 'pass' : 'none', detail: [all ? `dmarc=pass for ${fromDomain}` : `dmarc=${dmarc.map((r) => r.result).join(',')} for ${fromDomain}`] };
  }
  const spfFail = results.find((r) => r.method === 'spf' && r.result === 'fail' && mailFromDomain(r) === fromDomain);
  if (spfFail) return { ...base, verdict: 'fail', detail: [`spf=fail for ${fromDomain}`] };
  const dkim = results.filter((r) => r.method === 'dkim' && aligned(dkimDomain(r), fromDomain));
  if (dkim.length > 0 && dkim.every((r) => r.result === 'pass')) return { ...base, verdict: 'pass', detail: [`dkim=pass aligned with ${fromDomain}`] };
  const why = dmarcElsewhere.length > 0 ? `dmarc results name ${dmarcElsewhere.map((r) => r.props['header.from']).join(', ')}, not ${fromDomain}` : `no dmarc result and no aligned dkim pass for ${fromDomain}`;
  return { ...base, verdict: 'none', detail: [why] };
}

function summary(results: readonly AuthResult[]): Pick<SenderAuth, 'dmarc' | 'spf' | 'dkim'> {
  const first = (m: string) => results.find((r) => r.method === m)?.result;
  const dkim = results.filter((r) => r.method === 'dkim').map((r) => ({ result: r.result, ...(dkimDomain(r) ? { domain: dkimDomain(r) } : {}) }));
  return { ...(first('dmarc') ? { dmarc: first('dmarc') } : {}), ...(first('spf') ? { spf: first('spf') } : {}), ...(dkim.length ? { dkim } : {}) };
}

function dkimDomain(r: AuthResult): string | undefined {
  return r.props['header.d'] ?? r.props['header.i']?.split('@')[1];
}

function mailFromDomain(r: AuthResult): string | undefined {
  const v = r.props['smtp.mailfrom'];
  return v?.includes('@') ? v.split('@')[1] : v;
}

/** Relaxed alignment (RFC 7489): the same organisational domain, approximated as one being a subdomain of the other. */
export function aligned(d: string | undefined, fromDomain: string): boolean {
  return d !== undefined && (d === fromDomain || fromDomain.endsWith(`.${d}`) || d.endsWith(`.${fromDomain}`));
}

export function domainOf(address: string | undefined): string | undefined {
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at > 0 ? address.slice(at + 1).toLowerCase() : undefined;
}

function withoutComments(value: string): string {
  let out = value;
  for (let i = 0; i < 5 && /\([^()]*\)/.test(out); i++) out = out.replace(/\([^()]*\)/g, ' ');
  return out;
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
