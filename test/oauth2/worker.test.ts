import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawMail } from '../helpers/e2e.ts';
import { expectNoSecrets } from '../helpers/log-capture.ts';
import { startOAuth2Mail, type OAuth2Mail } from '../helpers/oauth2-mail.ts';
import { testConfig } from '../helpers/test-config.ts';
import { waitUntil } from '../helpers/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const USER = 'complaints';
/** Short-lived tokens, so the worker outlives the first one within the test. */
const LIFETIME_SECONDS = 4;

describe('redress start with OAuth2 sign-in to IMAP and SMTP', () => {
  let mail: OAuth2Mail;
  let dir: string;

  beforeAll(async () => {
    [mail, dir] = await Promise.all([startOAuth2Mail({ user: USER, lifetimeSeconds: LIFETIME_SECONDS }), fs.mkdtemp(path.join(os.tmpdir(), 'redress-oauth2-'))]);
  });
  afterAll(async () => {
    await mail?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps reading mail and sending past its first token’s expiry, and logs no secret even at trace level', async () => {
    const { oauth, dovecot, sink, db } = mail;
    const child = spawn('node', [BIN, 'start'], {
      env: {
        PATH: testConfig.path,
        DATABASE_URL: db.url,
        REDRESS_DATA_DIR: dir,
        LOG_LEVEL: 'trace',
        COMPLAINTS_ADDRESS: 'complaints@redress.test',
        IMAP_URL: dovecot.tokenUrl(USER),
        AUTHSERV_ID: 'mx.redress.test',
        IMAP_AUTH: 'oauth2',
        IMAP_POLL_SECONDS: '1',
        SMTP_URL: `smtp://${USER}@127.0.0.1:${sink.port}`,
        SMTP_AUTH: 'oauth2',
        OAUTH2_TOKEN_URL: oauth.tokenUrl,
        OAUTH2_CLIENT_ID: oauth.clientId,
        OAUTH2_CLIENT_SECRET: oauth.clientSecret,
        OAUTH2_REFRESH_TOKEN: oauth.refreshToken,
        OAUTH2_SCOPE: 'https://mail.google.com/',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const complaint = (n: number) =>
      rawMail({ from: `cust${n}@example.com`, subject: `Mobile data ${n}`, body: 'Since the update last week my mobile data has not worked anywhere in town.' }, `oauth2-worker-${n}@example.com`, new Date());
    try {
      await dovecot.append(USER, complaint(1));
      await sink.waitFor(1, 60_000); // read over IMAP with a token, acknowledged over SMTP with one
      const first = oauth.issued[0]!;
      await waitUntil('the first token to expire', 10_000, async () => Date.now() > first.expiresAt, 50);
      expect(oauth.check(first.value, USER)).toBe(false); // the server now refuses it

      await dovecot.kick(USER); // the worker must sign in again, after the token it started with expired
      await dovecot.append(USER, complaint(2));
      await sink.waitFor(2, 60_000);

      expect(sink.messages.map((m) => m.envelope.to)).toEqual([['cust1@example.com'], ['cust2@example.com']]);
      expect(await dovecot.list(USER, 'Processed')).toHaveLength(2);
      expect(oauth.issued.length).toBeGreaterThanOrEqual(2);
      // renewed ahead of expiry: the only token ever refused is the expired one the test itself presented
      expect(oauth.refused).toEqual([first.value]);
      expect(new Set(oauth.requests.map((r) => r.grant_type))).toEqual(new Set(['refresh_token']));
      expect(sink.signIns.every((s) => s.method === 'XOAUTH2' && s.username === USER)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(logs).toContain('AUTHENTICATE OAUTHBEARER'); // the protocol trace is in the log...
    expect(logs).toContain('OAuth2 access token obtained');
    expectNoSecrets(logs, oauth.secrets()); // ...and no token, refresh token or client secret
  });
});
