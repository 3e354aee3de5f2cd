import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDb } from '../helpers/db.ts';
import type { Dovecot } from '../helpers/dovecot.ts';
import { expectNoSecrets } from '../helpers/log-capture.ts';
import { startOAuth2Mail, type OAuth2Mail } from '../helpers/oauth2-mail.ts';
import type { OAuth2Server } from '../helpers/oauth2-server.ts';
import { freePort } from '../helpers/ports.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';
import { testConfig } from '../helpers/test-config.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const run = promisify(execFile);
const USER = 'complaints';
const SMTP_PASSWORD = 'sink-password';

interface Doctor {
  code: number;
  stdout: string;
  stderr: string;
}

describe('redress doctor', () => {
  let mail: OAuth2Mail;
  let oauth: OAuth2Server;
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let db: TestDb;
  let dir: string;

  beforeAll(async () => {
    [mail, dir] = await Promise.all([startOAuth2Mail({ user: USER, smtpPassword: SMTP_PASSWORD }), fs.mkdtemp(path.join(os.tmpdir(), 'redress-doctor-'))]);
    ({ oauth, dovecot, sink, db } = mail);
  });
  afterAll(async () => {
    await mail?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A deployment that signs in to both servers with OAuth2 (client credentials, as for Microsoft 365). */
  const oauth2Env = (): Record<string, string> => ({
    PATH: testConfig.path,
    DATABASE_URL: db.url,
    REDRESS_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    IMAP_URL: dovecot.tokenUrl(USER),
    AUTHSERV_ID: 'mx.redress.test',
    IMAP_AUTH: 'oauth2',
    SMTP_URL: `smtp://${USER}@127.0.0.1:${sink.port}`,
    SMTP_AUTH: 'oauth2',
    OAUTH2_TOKEN_URL: oauth.tokenUrl,
    OAUTH2_CLIENT_ID: oauth.clientId,
    OAUTH2_CLIENT_SECRET: oauth.clientSecret,
    OAUTH2_SCOPE: 'https://outlook.office365.com/.default',
  });
  /** The same with passwords, and no SMTP relay: mail goes to the outbox folder. */
  const passwordEnv = (): Record<string, string> => ({
    PATH: testConfig.path,
    DATABASE_URL: db.url,
    REDRESS_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    IMAP_URL: dovecot.url(USER),
    AUTHSERV_ID: 'mx.redress.test',
  });

  const doctor = async (env: Record<string, string>, json = true): Promise<Doctor> => {
    try {
      const { stdout, stderr } = await run('node', [BIN, 'doctor', ...(json ? ['--json'] : [])], { env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as Doctor;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const statuses = (out: Doctor) => (JSON.parse(out.stdout) as { checks: { check: string; status: string }[] }).checks.map((c) => `${c.check} ${c.status}`);
  const failures = (out: Doctor) => (JSON.parse(out.stdout) as { checks: { status: string; detail: string }[] }).checks.filter((c) => c.status === 'fail').map((c) => c.detail);

  it('all well with OAuth2 sign-in: every line OK, one line each, exit 0', async () => {
    const out = await doctor(oauth2Env(), false);
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n').filter(Boolean)).toEqual([
      'OK    config    valid (IMAP_AUTH=oauth2, SMTP_AUTH=oauth2)',
      `OK    database  ${new URL(db.url).host}/${db.name}: reachable, schema current`,
      'OK    oauth2    access token from ' + new URL(oauth.tokenUrl).host + ' by the client-credentials grant',
      `OK    imap      signed in to 127.0.0.1:${dovecot.port} as ${USER} with an OAuth2 token; INBOX holds 0 message(s); Processed is there`,
      `OK    smtp      signed in to 127.0.0.1:${sink.port} as ${USER} with XOAUTH2`,
      `SKIP  outbox    not used: SMTP_URL is set (without it mail is written to ${path.join(dir, 'outbox')})`,
    ]);
    expect(sink.signIns.at(-1)).toEqual({ method: 'XOAUTH2', username: USER });
    expect(sink.messages).toHaveLength(0); // nothing was sent
  });

  it('all well with passwords and the outbox folder, as JSON', async () => {
    const out = await doctor(passwordEnv());
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).ok).toBe(true);
    expect(statuses(out)).toEqual(['config ok', 'database ok', 'oauth2 skip', 'imap ok', 'smtp skip', 'outbox ok']);
  });

  it('a bad config: one line per problem naming the variable, nothing else tried, exit 1', async () => {
    const out = await doctor({ ...oauth2Env(), MAX_ATTACHMENTS: '-1', OAUTH2_CLIENT_ID: '' }, false);
    expect(out.code).toBe(1);
    expect(out.stdout.split('\n').filter(Boolean)).toEqual([
      'FAIL  config    MAX_ATTACHMENTS: Too small: expected number to be >0 (got "-1")',
      'FAIL  config    OAUTH2_CLIENT_ID: required when IMAP_AUTH or SMTP_AUTH is oauth2',
      'SKIP  database  not checked: the config is invalid',
      'SKIP  oauth2    not checked: the config is invalid',
      'SKIP  imap      not checked: the config is invalid',
      'SKIP  smtp      not checked: the config is invalid',
      'SKIP  outbox    not checked: the config is invalid',
    ]);
  });

  it('an unreachable database', async () => {
    const port = await freePort();
    const out = await doctor({ ...passwordEnv(), DATABASE_URL: `postgres://redress:db-secret@127.0.0.1:${port}/redress` });
    expect(out.code).toBe(1);
    expect(statuses(out)).toEqual(['config ok', 'database fail', 'oauth2 skip', 'imap ok', 'smtp skip', 'outbox ok']);
    expect(failures(out)).toEqual([`cannot use 127.0.0.1:${port}/redress (connect ECONNREFUSED 127.0.0.1:${port}): check DATABASE_URL and that Postgres is up`]);
    expect(out.stdout + out.stderr).not.toContain('db-secret');
  });

  it('a token endpoint that refuses the client: the oauth2 line says why, the sign-ins are not tried', async () => {
    const out = await doctor({ ...oauth2Env(), OAUTH2_CLIENT_SECRET: 'wrong-client-secret' });
    expect(out.code).toBe(1);
    expect(statuses(out)).toEqual(['config ok', 'database ok', 'oauth2 fail', 'imap fail', 'smtp fail', 'outbox skip']);
    expect(failures(out)).toEqual([
      'the OAuth2 token endpoint answered the client_credentials grant with HTTP 401 invalid_client (unknown client or wrong secret): check OAUTH2_CLIENT_ID and OAUTH2_CLIENT_SECRET, and that the app may use this grant',
      'not tried: no OAuth2 access token (see the oauth2 line)',
      'not tried: no OAuth2 access token (see the oauth2 line)',
    ]);
    expectNoSecrets(out.stdout + out.stderr, ['wrong-client-secret', ...oauth.secrets()]);
  });

  it('an IMAP password the server refuses', async () => {
    const out = await doctor({ ...passwordEnv(), IMAP_URL: `imap://${USER}:not-the-password@127.0.0.1:${dovecot.port}/INBOX` });
    expect(out.code).toBe(1);
    expect(statuses(out)).toEqual(['config ok', 'database ok', 'oauth2 skip', 'imap fail', 'smtp skip', 'outbox ok']);
    expect(failures(out)).toEqual([`IMAP login failed for ${USER} at 127.0.0.1:${dovecot.port}: check the user and password in IMAP_URL`]);
    expect(out.stdout + out.stderr).not.toContain('not-the-password');
  });

  it('an SMTP password the server refuses', async () => {
    const out = await doctor({ ...passwordEnv(), SMTP_URL: `smtp://${USER}:wrong-smtp-password@127.0.0.1:${sink.port}` });
    expect(out.code).toBe(1);
    expect(statuses(out)).toEqual(['config ok', 'database ok', 'oauth2 skip', 'imap ok', 'smtp fail', 'outbox skip']);
    expect(failures(out)).toEqual([
      `SMTP sign-in as ${USER} at 127.0.0.1:${sink.port} failed (Invalid login: 535 Authentication failed): check the user and password in SMTP_URL`,
    ]);
    expect(out.stdout + out.stderr).not.toContain('wrong-smtp-password');
  });

  it('an outbox folder that cannot be written', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-doctor-outbox-'));
    await fs.writeFile(path.join(dataDir, 'outbox'), 'a file where the folder should be');
    try {
      const out = await doctor({ ...passwordEnv(), REDRESS_DATA_DIR: dataDir });
      expect(out.code).toBe(1);
      expect(statuses(out)).toEqual(['config ok', 'database ok', 'oauth2 skip', 'imap ok', 'smtp skip', 'outbox fail']);
      expect(failures(out)).toEqual([
        `cannot write to the outbox folder ${path.join(dataDir, 'outbox')} (EEXIST): make it writable for this user, or set REDRESS_DATA_DIR or SMTP_URL`,
      ]);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
