import type { XOAuth2ProvisionCallback } from 'nodemailer/lib/xoauth2';
import { errorMessage } from '../errors.ts';
import type { AccessTokens } from './access-tokens.ts';

export interface NodemailerOAuth2 {
  auth: { type: 'OAuth2'; user: string; provisionCallback: XOAuth2ProvisionCallback };
  /** After a failed sign-in (EAUTH): the token last handed out is not used again. */
  refused(): void;
}

/**
 * nodemailer's OAuth2 auth with our tokens in place of its own token requests. When the
 * server refuses a token with the XOAUTH2 error challenge, nodemailer asks again with
 * `renew` set and retries the sign-in once on the same connection.
 */
export function nodemailerOAuth2(user: string, tokens: AccessTokens): NodemailerOAuth2 {
  let handedOut: string | undefined;
  const refused = () => {
    if (handedOut !== undefined) tokens.forget(handedOut);
  };
  const provisionCallback: XOAuth2ProvisionCallback = (_user, renew, callback) => {
    if (renew) refused();
    tokens.get().then(
      (token) => {
        handedOut = token;
        // nodemailer keeps the token per pooled connection until this moment (wall-clock ms)
        callback(null, token, tokens.refreshAt()?.getTime());
      },
      // a copy: nodemailer rewrites the code of the error it is handed to EAUTH
      (err: unknown) => callback(new Error(errorMessage(err), { cause: err })),
    );
  };
  return { auth: { type: 'OAuth2', user, provisionCallback }, refused };
}
