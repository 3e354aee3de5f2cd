import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.ts';
import { RedressError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { createAccessTokens } from '../../src/oauth2/access-tokens.ts';
import { requestToken } from '../../src/oauth2/token-endpoint.ts';
import type { OAuth2Settings } from '../../src/oauth2/tokens.ts';
import { startOAuth2Server, type OAuth2Server } from '../helpers/oauth2-server.ts';
import { freePort } from '../helpers/ports.ts';

const log = createLogger('silent');
let oauth: OAuth2Server;

beforeAll(async () => {
  oauth = await startOAuth2Server({ lifetimeSeconds: 3600 });
});
afterAll(() => oauth.stop());

/** Tokens from the local endpoint over real HTTP, on a clock the test moves. */
function tokens(grant: 'refresh_token' | 'client_credentials', overrides: Partial<OAuth2Settings> = {}) {
  const clock = manualClock('2026-11-02T10:00:00Z');
  const settings: OAuth2Settings = {
    tokenUrl: oauth.tokenUrl,
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    refreshToken: grant === 'refresh_token' ? oauth.refreshToken : undefined,
    scope: 'https://outlook.office365.com/.default',
    ...overrides,
  };
  return { clock, tokens: createAccessTokens(settings, { clock, log, requestToken }) };
}

async function failure(p: Promise<unknown>): Promise<RedressError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RedressError);
  return err as RedressError;
}

describe('access tokens from the token endpoint', () => {
  it('a token is reused until its refresh time, then the next one is fetched', async () => {
    const { clock, tokens: t } = tokens('client_credentials');
    const before = oauth.requests.length;
    const first = await t.get();
    expect(await t.get()).toBe(first);
    clock.advance(55 * 60_000 - 1000);
    expect(await t.get()).toBe(first);
    expect(oauth.requests.length - before).toBe(1);
    clock.advance(1000);
    const second = await t.get();
    expect(second).not.toBe(first);
    expect(oauth.requests.slice(before)).toEqual([
      { grant_type: 'client_credentials', client_id: oauth.clientId, client_secret: oauth.clientSecret, scope: 'https://outlook.office365.com/.default' },
      { grant_type: 'client_credentials', client_id: oauth.clientId, client_secret: oauth.clientSecret, scope: 'https://outlook.office365.com/.default' },
    ]);
  });

  it('callers asking at once share one request; several refusals of one token renew it once', async () => {
    const { tokens: t } = tokens('refresh_token');
    const before = oauth.requests.length;
    const [a, b, c] = await Promise.all([t.get(), t.get(), t.get()]);
    expect(new Set([a, b, c]).size).toBe(1);
    t.forget(a!);
    t.forget(a!);
    const renewed = await Promise.all([t.get(), t.get()]);
    expect(renewed[0]).toBe(renewed[1]);
    expect(renewed[0]).not.toBe(a);
    t.forget(a!); // a late refusal of the old token leaves the new one alone
    expect(await t.get()).toBe(renewed[0]);
    expect(oauth.requests.length - before).toBe(2);
  });

  it('a rotated refresh token is the one used next', async () => {
    oauth.rotate = true;
    try {
      const { tokens: t } = tokens('refresh_token');
      const configured = oauth.refreshToken;
      const before = oauth.requests.length;
      const first = await t.get();
      const rotated = oauth.refreshToken; // the endpoint now takes only this one
      expect(rotated).not.toBe(configured);
      t.forget(first);
      expect(await t.get()).not.toBe(first);
      expect(oauth.requests.slice(before).map((r) => r.refresh_token)).toEqual([configured, rotated]);
    } finally {
      oauth.rotate = false;
    }
  });

  it('a wrong client secret is a permanent error naming the variables, with no secret in it', async () => {
    const { tokens: t } = tokens('refresh_token', { clientSecret: 'wrong-secret-value' });
    const err = await failure(t.get());
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'the OAuth2 token endpoint answered the refresh_token grant with HTTP 401 invalid_client (unknown client or wrong secret): check OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET, and that the app may use this grant',
    );
  });

  it('a revoked refresh token says to obtain a new one, and the message does not repeat it though the server did', async () => {
    const { tokens: t } = tokens('refresh_token', { refreshToken: 'refresh-revoked-0042' });
    const err = await failure(t.get());
    expect(err.message).toBe(
      'the OAuth2 token endpoint answered the refresh_token grant with HTTP 400 invalid_grant (refresh token [redacted] is not valid): OAUTH2_REFRESH_TOKEN has expired or was revoked; obtain a new one',
    );
  });

  it('an unreachable endpoint is a retryable error naming the host and OAUTH2_TOKEN_URL', async () => {
    const port = await freePort();
    const { tokens: t } = tokens('client_credentials', { tokenUrl: `http://127.0.0.1:${port}/token` });
    const err = await failure(t.get());
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(`cannot reach the OAuth2 token endpoint at 127.0.0.1:${port} (ECONNREFUSED): check OAUTH2_TOKEN_URL and the network; it will be retried`);
  });
});
