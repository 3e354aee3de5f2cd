import { RedressError } from '../errors.ts';

/**
 * OAuth2 access tokens for mailbox sign-in, the pure part: what to ask the token endpoint,
 * what its answer means, and when a token is due for renewal. No I/O, no clock of its own.
 */

export interface OAuth2Settings {
  tokenUrl: string;
  clientId: string;
  /** Optional for a public client using a refresh token; required for client credentials. */
  clientSecret?: string;
  /** Set: the refresh-token grant (Gmail, delegated Microsoft 365). Unset: client credentials (Microsoft 365 app-only). */
  refreshToken?: string;
  scope?: string;
}

export type GrantType = 'refresh_token' | 'client_credentials';

export interface AccessToken {
  value: string;
  /** When to stop handing it out and fetch the next one; undefined when the server gave no lifetime (used until refused). */
  refreshAt?: Date;
  expiresAt?: Date;
}

export interface TokenGrant {
  token: AccessToken;
  /** A rotated refresh token (Microsoft sends one with every answer): use it for the next request. */
  refreshToken?: string;
}

export function grantType(settings: OAuth2Settings): GrantType {
  return settings.refreshToken ? 'refresh_token' : 'client_credentials';
}

/** The form body of a token request (client_secret_post, which Google and Microsoft both take). */
export function tokenRequestForm(settings: OAuth2Settings, refreshToken = settings.refreshToken): Record<string, string> {
  const form: Record<string, string> = { grant_type: grantType(settings), client_id: settings.clientId };
  if (settings.clientSecret) form.client_secret = settings.clientSecret;
  if (refreshToken) form.refresh_token = refreshToken;
  if (settings.scope) form.scope = settings.scope;
  return form;
}

/** Renew a quarter of the lifetime early, at most five minutes: a one-hour token at 55 minutes, a 4-second one at 3. */
export const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

export function refreshTime(obtainedAt: Date, expiresInSeconds: number): Date {
  const lifetimeMs = expiresInSeconds * 1000;
  return new Date(obtainedAt.getTime() + lifetimeMs - Math.min(lifetimeMs / 4, MAX_REFRESH_MARGIN_MS));
}

/** Whether `token` may still be handed out at `now`. */
export function isFresh(token: AccessToken | undefined, now: Date): token is AccessToken {
  return token !== undefined && (token.refreshAt === undefined || now.getTime() < token.refreshAt.getTime());
}

/**
 * Reads a token endpoint's answer (RFC 6749 sections 5.1 and 5.2). Errors say which
 * variable to fix and never repeat a secret, even one the server echoed back.
 */
export function readTokenResponse(status: number, body: unknown, obtainedAt: Date, settings: OAuth2Settings): TokenGrant {
  const json = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status >= 200 && status < 300) return readGrant(json, obtainedAt, settings);
  const code = typeof json.error === 'string' ? json.error : undefined;
  const description = typeof json.error_description === 'string' ? ` (${scrub(json.error_description, settings)})` : '';
  const what = `the OAuth2 token endpoint answered the ${grantType(settings)} grant with HTTP ${status}${code ? ` ${code}` : ''}${description}`;
  if (status === 429 || status >= 500) {
    return fail(`${what}; it will be retried`, true, { status, error: code });
  }
  return fail(`${what}: ${advice(code, settings)}`, false, { status, error: code });
}

function readGrant(json: Record<string, unknown>, obtainedAt: Date, settings: OAuth2Settings): TokenGrant {
  const value = json.access_token;
  if (typeof value !== 'string' || value === '' || /[\x00-\x1f\x7f]/.test(value)) {
    return fail('the OAuth2 token endpoint answered without a usable access_token: check OAUTH2_TOKEN_URL points at the token endpoint', false, {});
  }
  const type = typeof json.token_type === 'string' ? json.token_type : 'Bearer';
  if (type.toLowerCase() !== 'bearer') {
    return fail(`the OAuth2 token endpoint issued a "${type}" token; mail servers take Bearer tokens: check OAUTH2_TOKEN_URL`, false, {});
  }
  const expiresIn = Number(json.expires_in);
  const token: AccessToken = { value };
  if (Number.isFinite(expiresIn) && expiresIn > 0) {
    token.refreshAt = refreshTime(obtainedAt, expiresIn);
    token.expiresAt = new Date(obtainedAt.getTime() + expiresIn * 1000);
  }
  const rotated = json.refresh_token;
  return typeof rotated === 'string' && rotated !== '' && grantType(settings) === 'refresh_token' ? { token, refreshToken: rotated } : { token };
}

function advice(code: string | undefined, settings: OAuth2Settings): string {
  switch (code) {
    case 'invalid_grant':
      return grantType(settings) === 'refresh_token'
        ? 'OAUTH2_REFRESH_TOKEN has expired or was revoked; obtain a new one'
        : 'the client credentials were not accepted; check OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET and OAUTH2_SCOPE';
    case 'invalid_client':
    case 'unauthorized_client':
      return 'check OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET, and that the app may use this grant';
    case 'invalid_scope':
      return 'check OAUTH2_SCOPE';
    case 'unsupported_grant_type':
      return grantType(settings) === 'refresh_token'
        ? 'this endpoint does not take refresh tokens; check OAUTH2_TOKEN_URL'
        : 'this endpoint does not take client credentials; set OAUTH2_REFRESH_TOKEN or check OAUTH2_TOKEN_URL';
    default:
      return 'check OAUTH2_TOKEN_URL, OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET, OAUTH2_REFRESH_TOKEN and OAUTH2_SCOPE';
  }
}

/** A server's free text, one line, short, with any of our secrets taken out. */
export function scrub(text: string, settings: Pick<OAuth2Settings, 'clientSecret' | 'refreshToken'>): string {
  let out = text;
  for (const secret of [settings.clientSecret, settings.refreshToken]) {
    if (secret) out = out.split(secret).join('[redacted]');
  }
  return out.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 300);
}

function fail(message: string, retryable: boolean, context: Record<string, unknown>): never {
  throw new RedressError('oauth2', message, { retryable, context });
}
