import { describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.ts';
import { RedressError } from '../../src/errors.ts';
import { isFresh, readTokenResponse, refreshTime, tokenRequestForm, type OAuth2Settings } from '../../src/oauth2/tokens.ts';

const gmail: OAuth2Settings = {
  tokenUrl: 'https://oauth2.googleapis.com/token',
  clientId: 'client-1',
  clientSecret: 'gmail-secret-123',
  refreshToken: 'refresh-abc',
  scope: 'https://mail.google.com/',
};
const m365: OAuth2Settings = {
  tokenUrl: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token',
  clientId: 'app-2',
  clientSecret: 'm365-secret-456',
  scope: 'https://outlook.office365.com/.default',
};
const at = new Date('2026-11-02T10:00:00Z');

function failure(run: () => unknown): RedressError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RedressError);
    return err as RedressError;
  }
  throw new Error('expected a failure');
}

describe('token requests', () => {
  it('a refresh token picks the refresh-token grant (Gmail, delegated Microsoft 365)', () => {
    expect(tokenRequestForm(gmail)).toEqual({
      grant_type: 'refresh_token',
      client_id: 'client-1',
      client_secret: 'gmail-secret-123',
      refresh_token: 'refresh-abc',
      scope: 'https://mail.google.com/',
    });
  });

  it('without one it is the client-credentials grant (Microsoft 365 app-only)', () => {
    expect(tokenRequestForm(m365)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app-2',
      client_secret: 'm365-secret-456',
      scope: 'https://outlook.office365.com/.default',
    });
  });

  it('a public client sends no secret, and a rotated refresh token replaces the configured one', () => {
    const publicClient = { tokenUrl: gmail.tokenUrl, clientId: 'c', refreshToken: 'first' };
    expect(tokenRequestForm(publicClient, 'rotated')).toEqual({ grant_type: 'refresh_token', client_id: 'c', refresh_token: 'rotated' });
  });
});

describe('when a token is renewed', () => {
  it('a quarter of its lifetime early, at most five minutes: a one-hour token at 55 minutes, a 4-second token at 3 seconds', () => {
    expect(refreshTime(at, 3600).toISOString()).toBe('2026-11-02T10:55:00.000Z');
    expect(refreshTime(at, 4).toISOString()).toBe('2026-11-02T10:00:03.000Z');
    expect(refreshTime(at, 600).toISOString()).toBe('2026-11-02T10:07:30.000Z');
  });

  it('is handed out until its refresh time, then not; one without a lifetime until it is refused', () => {
    const clock = manualClock(at);
    const { token } = readTokenResponse(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 }, clock.now(), m365);
    expect(isFresh(token, clock.now())).toBe(true);
    clock.advance(55 * 60_000 - 1);
    expect(isFresh(token, clock.now())).toBe(true);
    clock.advance(1);
    expect(isFresh(token, clock.now())).toBe(false);
    expect(isFresh(undefined, clock.now())).toBe(false);
    const { token: forever } = readTokenResponse(200, { access_token: 'tok' }, at, m365);
    expect(forever).toEqual({ value: 'tok' });
    expect(isFresh(forever, new Date('2030-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('what the token endpoint answered', () => {
  it('a token with its lifetime (a number or a numeric string), and the rotated refresh token of a refresh grant', () => {
    expect(readTokenResponse(200, { access_token: 'a1', token_type: 'bearer', expires_in: '3599', refresh_token: 'r2' }, at, gmail)).toEqual({
      token: { value: 'a1', refreshAt: new Date('2026-11-02T10:54:59.000Z'), expiresAt: new Date('2026-11-02T10:59:59.000Z') },
      refreshToken: 'r2',
    });
    // client credentials have no refresh token to rotate
    expect(readTokenResponse(200, { access_token: 'a1', expires_in: 60, refresh_token: 'r2' }, at, m365)).toEqual({
      token: { value: 'a1', refreshAt: new Date('2026-11-02T10:00:45.000Z'), expiresAt: new Date('2026-11-02T10:01:00.000Z') },
    });
  });

  it('a refused refresh token (invalid_grant) is permanent and says to obtain a new one, without repeating it', () => {
    const err = failure(() => readTokenResponse(400, { error: 'invalid_grant', error_description: 'Token refresh-abc has been expired or revoked.' }, at, gmail));
    expect(err.code).toBe('oauth2');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'the OAuth2 token endpoint answered the refresh_token grant with HTTP 400 invalid_grant (Token [redacted] has been expired or revoked.): OAUTH2_REFRESH_TOKEN has expired or was revoked; obtain a new one',
    );
  });

  it('a wrong client is permanent and names the client variables; the secret never appears', () => {
    const err = failure(() => readTokenResponse(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided: m365-secret-456' }, at, m365));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('check OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET');
    expect(err.message).not.toContain('m365-secret-456');
    expect(failure(() => readTokenResponse(400, { error: 'invalid_scope' }, at, m365)).message).toMatch(/: check OAUTH2_SCOPE$/);
    expect(failure(() => readTokenResponse(400, { error: 'unsupported_grant_type' }, at, m365)).message).toMatch(/set OAUTH2_REFRESH_TOKEN or check OAUTH2_TOKEN_URL$/);
  });

  it('a busy or failing endpoint (429, 5xx, not JSON) is retryable', () => {
    for (const status of [429, 500, 503]) {
      const err = failure(() => readTokenResponse(status, null, at, m365));
      expect(err.retryable).toBe(true);
      expect(err.message).toBe(`the OAuth2 token endpoint answered the client_credentials grant with HTTP ${status}; it will be retried`);
    }
  });

  it('an answer that is not a Bearer access token is refused', () => {
    expect(failure(() => readTokenResponse(200, { token_type: 'Bearer' }, at, m365)).message).toMatch(/without a usable access_token/);
    expect(failure(() => readTokenResponse(200, { access_token: 'a\r\nb' }, at, m365)).message).toMatch(/without a usable access_token/);
    expect(failure(() => readTokenResponse(200, { access_token: 'a', token_type: 'mac' }, at, m365)).message).toMatch(/issued a "mac" token/);
    expect(failure(() => readTokenResponse(200, '<html>', at, m365)).retryable).toBe(false);
  });
});
