import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { RedressError } from '../../src/errors.ts';
import { parseImapUrl } from '../../src/intake/imap-session.ts';
import { createImapSource } from '../../src/intake/imap-source.ts';
import type { Logger } from '../../src/log.ts';
import { createAccessTokens } from '../../src/oauth2/access-tokens.ts';
import { requestToken } from '../../src/oauth2/token-endpoint.ts';
import { composeMessage } from '../../src/outbound/compose.ts';
import { smtpSettings } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createSender } from '../../src/outbound/sender.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import type { TestDb } from '../helpers/db.ts';
import type { Dovecot } from '../helpers/dovecot.ts';
import { rawMail } from '../helpers/e2e.ts';
import { captureLog, expectNoSecrets } from '../helpers/log-capture.ts';
import { startOAuth2Mail, type OAuth2Mail } from '../helpers/oauth2-mail.ts';
import type { OAuth2Server } from '../helpers/oauth2-server.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';

let mail: OAuth2Mail;
let oauth: OAuth2Server;
let dovecot: Dovecot;
let sink: SmtpSink;
let db: TestDb;
let app: TestApp;

beforeAll(async () => {
  mail = await startOAuth2Mail();
  ({ oauth, dovecot, sink, db } = mail);
  app = await createTestApp(db);
});
afterAll(async () => {
  await app?.close();
  await mail?.stop();
});

const freshUser = () => `u${randomBytes(5).toString('hex')}`;

/** Tokens for `user` from the local token endpoint, by the given grant. */
function tokensFor(user: string, grant: 'refresh_token' | 'client_credentials', log: Logger) {
  oauth.user = user;
  return createAccessTokens(
    {
      tokenUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      refreshToken: grant === 'refresh_token' ? oauth.refreshToken : undefined,
      scope: grant === 'refresh_token' ? 'https://mail.google.com/' : 'https://outlook.office365.com/.default',
    },
    { clock: systemClock, log, requestToken },
  );
}

function complaint(user: string, n: number): string {
  return rawMail({ from: `cust${n}@example.com`, subject: `Broadband ${user} ${n}`, body: 'My broadband has dropped every evening for two weeks and nobody has called me back.' }, `${user}.${n}@example.com`, new Date('2026-11-02T09:00:00Z'));
}

async function failure(p: Promise<unknown>): Promise<RedressError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RedressError);
  return err as RedressError;
}

describe('IMAP_URL with IMAP_AUTH=oauth2', () => {
  it('names the mailbox user and no password; password sign-in still needs its password', () => {
    expect(parseImapUrl('imaps://me%40example.com@outlook.office365.com/INBOX', 'oauth2')).toEqual({
      secure: true,
      host: 'outlook.office365.com',
      port: 993,
      user: 'me@example.com',
      pass: '',
      mailbox: 'INBOX',
      identity: 'me@example.com@outlook.office365.com:993/INBOX',
    });
    expect(() => parseImapUrl('imaps://me%40example.com:hunter2@outlook.office365.com/INBOX', 'oauth2')).toThrow(
      'with IMAP_AUTH=oauth2, IMAP_URL must look like imaps://user@host:port/MAILBOX (no password); remove the password',
    );
    expect(() => parseImapUrl('imaps://me%40example.com@outlook.office365.com/INBOX')).toThrow(
      'IMAP_URL must look like imap://user:password@host:port/MAILBOX (or imaps:// for TLS); the password is missing',
    );
  });
});

describe('IMAP sign-in with OAuth2 (Dovecot oauth2 passdb, local introspection)', () => {
  const source = (user: string, log: Logger, tokens: ReturnType<typeof tokensFor>) =>
    createImapSource(
      { sql: db.sql, log, process: app.process },
      { url: dovecot.tokenUrl(user), processedFolder: 'Processed', pollSeconds: 1, batchSize: 50, tlsVerify: false, concurrency: 1, oauth2: tokens },
    );

  it.each(['refresh_token', 'client_credentials'] as const)('intake signs in with a token from the %s grant and reads the mailbox', async (grant) => {
    const user = freshUser();
    const capture = captureLog();
    const before = oauth.requests.length;
    await dovecot.append(user, complaint(user, 1));
    const stats = await source(user, capture.log, tokensFor(user, grant, capture.log)).drainOnce();
    expect(stats).toEqual({ fetched: 1, stored: 1, duplicates: 0, moved: 1, failed: 0 });
    expect(oauth.requests.slice(before).map((r) => r.grant_type)).toEqual([grant]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(1);
    expect(capture.text()).toContain('AUTHENTICATE OAUTHBEARER'); // imapflow's protocol trace was captured...
    expectNoSecrets(capture.text(), oauth.secrets()); // ...and holds no token or secret
  });

  it('a refused token is renewed once and the sign-in tried again', async () => {
    const user = freshUser();
    const capture = captureLog();
    const tokens = tokensFor(user, 'refresh_token', capture.log);
    const src = source(user, capture.log, tokens);
    await dovecot.append(user, complaint(user, 1));
    expect((await src.drainOnce()).stored).toBe(1);
    const first = oauth.issued.at(-1)!.value;
    oauth.revoke(first); // the token is still in its lifetime, but the server no longer takes it
    const refusedBefore = oauth.refused.length;
    await dovecot.append(user, complaint(user, 2));
    expect(await src.drainOnce()).toEqual({ fetched: 1, stored: 1, duplicates: 0, moved: 1, failed: 0 });
    expect(oauth.refused.slice(refusedBefore)).toEqual([first]);
    expect(oauth.issued.filter((t) => t.user === user)).toHaveLength(2);
    expect(capture.text()).toContain('the IMAP server refused the OAuth2 access token; renewing it and signing in again');
    expectNoSecrets(capture.text(), oauth.secrets());
  });

  it('a token refused again after the renewal fails after exactly one renewal, saying what to check', async () => {
    const user = freshUser();
    const capture = captureLog();
    const tokens = tokensFor(user, 'client_credentials', capture.log);
    oauth.user = 'someone-else'; // every token is issued for another mailbox
    const err = await failure(source(user, capture.log, tokens).drainOnce());
    expect(err.code).toBe('imap');
    expect(err.message).toBe(
      `IMAP login failed for ${user} at 127.0.0.1:${dovecot.port}: the server refused the OAuth2 access token: check the user in IMAP_URL, that the app may read this mailbox, and OAUTH2_SCOPE`,
    );
    expect(oauth.issued.filter((t) => t.user === 'someone-else')).toHaveLength(2);
    expectNoSecrets(`${capture.text()}\n${err.message}\n${String(err.cause)}`, oauth.secrets());
  });
});

describe('SMTP sign-in with XOAUTH2 (smtp-server sink)', () => {
  const sender = (user: string, log: Logger, tokens: ReturnType<typeof tokensFor>) =>
    createSender({ smtpUrl: `smtp://${encodeURIComponent(user)}@127.0.0.1:${sink.port}`, outboxDir: '/nonexistent', log, smtp: smtpSettings(loadConfig({})), oauth2: tokens });
  const send = async (s: ReturnType<typeof sender>, id: string) => {
    const raw = await composeMessage({ from: { name: 'Redress', address: 'complaints@redress.test' }, to: ['ann@example.com'], subject: id, text: 'Hello\n', html: '<p>Hello</p>', messageId: id, date: new Date('2026-11-02T10:00:00Z') });
    await s.send(raw, { from: 'complaints@redress.test', to: ['ann@example.com'] }, id);
  };
  const delivered = () => sink.messages.map((m) => m.parsed.subject);

  it('sends with XOAUTH2 and a token from the token endpoint', async () => {
    const user = `${freshUser()}@redress.test`;
    const capture = captureLog();
    const s = sender(user, capture.log, tokensFor(user, 'client_credentials', capture.log));
    try {
      await send(s, `x1.${user}`);
    } finally {
      await s.close();
    }
    expect(delivered()).toContain(`x1.${user}`);
    expect(sink.signIns.filter((i) => i.username === user)).toEqual([{ method: 'XOAUTH2', username: user }]);
    expectNoSecrets(capture.text(), oauth.secrets());
  });

  it('a token refused with the XOAUTH2 challenge is renewed once within the same sign-in', async () => {
    const user = `${freshUser()}@redress.test`;
    const capture = captureLog();
    const tokens = tokensFor(user, 'refresh_token', capture.log);
    const first = await tokens.get();
    oauth.revoke(first);
    const s = sender(user, capture.log, tokens);
    try {
      await send(s, `x2.${user}`);
    } finally {
      await s.close();
    }
    expect(delivered()).toContain(`x2.${user}`);
    expect(oauth.refused).toContain(first);
    expect(oauth.issued.filter((t) => t.user === user)).toHaveLength(2);
    expect(sink.signIns.filter((i) => i.username === user)).toHaveLength(1);
    expectNoSecrets(capture.text(), oauth.secrets());
  });

  it('a server that refuses a token outright (535): the send fails, retryable, and the next one signs in with a new token', async () => {
    const user = `${freshUser()}@redress.test`;
    const capture = captureLog();
    const tokens = tokensFor(user, 'refresh_token', capture.log);
    oauth.revoke(await tokens.get());
    mail.sinkAuth.refuseOutright = true;
    const s = sender(user, capture.log, tokens);
    try {
      const err = await failure(send(s, `x3.${user}`));
      expect(err.code).toBe('send_failed');
      expect(err.retryable).toBe(true);
      expectNoSecrets(`${err.message}\n${JSON.stringify(err.context)}`, oauth.secrets());
      await send(s, `x3.${user}`);
    } finally {
      mail.sinkAuth.refuseOutright = false;
      await s.close();
    }
    expect(delivered().filter((subject) => subject === `x3.${user}`)).toHaveLength(1);
    expect(oauth.issued.filter((t) => t.user === user)).toHaveLength(2);
    expectNoSecrets(capture.text(), oauth.secrets());
  });
});
