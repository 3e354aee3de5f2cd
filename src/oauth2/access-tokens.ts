import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { RequestToken } from './token-endpoint.ts';
import { grantType, isFresh, readTokenResponse, tokenRequestForm, type AccessToken, type OAuth2Settings } from './tokens.ts';

/** Access tokens for IMAP and SMTP sign-in, shared by both: one cached token, one request at a time. */
export interface AccessTokens {
  /** A token fresh enough to sign in with; fetched first, and again once it nears expiry. */
  get(): Promise<string>;
  /**
   * The server refused `refused`: the next `get` fetches a new one. A no-op when the token
   * held is already another one, so callers refused at once cause one request, not several.
   */
  forget(refused: string): void;
  /** When the token in hand stops being handed out (for nodemailer's own cache); undefined when unknown. */
  refreshAt(): Date | undefined;
}

export interface AccessTokenDeps {
  /** Wall-clock time: token lifetimes are real seconds, so this is never the REDRESS_NOW-pinned clock. */
  clock: Clock;
  log: Logger;
  requestToken: RequestToken;
}

export function createAccessTokens(settings: OAuth2Settings, deps: AccessTokenDeps): AccessTokens {
  const log = deps.log.child({ component: 'oauth2' });
  let held: AccessToken | undefined;
  let refreshToken = settings.refreshToken;
  let inFlight: Promise<AccessToken> | undefined;

  const fetchNext = (): Promise<AccessToken> => {
    inFlight ??= (async () => {
      const answer = await deps.requestToken(settings.tokenUrl, tokenRequestForm(settings, refreshToken));
      const grant = readTokenResponse(answer.status, answer.body, deps.clock.now(), { ...settings, refreshToken });
      held = grant.token;
      if (grant.refreshToken) refreshToken = grant.refreshToken;
      log.info({ grant: grantType(settings), expiresAt: grant.token.expiresAt?.toISOString(), refreshAt: grant.token.refreshAt?.toISOString() }, 'OAuth2 access token obtained');
      return grant.token;
    })().finally(() => (inFlight = undefined));
    return inFlight;
  };

  return {
    get: async () => (isFresh(held, deps.clock.now()) ? held.value : (await fetchNext()).value),
    forget: (refused) => {
      if (held?.value === refused) held = undefined;
    },
    refreshAt: () => held?.refreshAt,
  };
}
