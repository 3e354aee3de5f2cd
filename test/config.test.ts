import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config (one zod schema, read once)', () => {
  it('defaults are parsed like values: booleans, HOST:PORT, lists', () => {
    const c = loadConfig({});
    expect(c.STAFF_REQUIRE_AUTH).toBe(true);
    expect(c.IMAP_TLS_VERIFY).toBe(true);
    expect(c.SMTP_LISTEN).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(c.OWN_ADDRESSES).toEqual([]);
    expect(c.REDRESS_DATA_DIR).toBe('./.redress');
    expect(c.UPDATE_EVERY_BUSINESS_DAYS).toBe(5);
    expect(c.ADR_DAYS).toBe(56);
    expect(c.RETENTION_DAYS_AFTER_CLOSE).toBe(1095);
  });

  it('empty strings count as unset; "false" is false', () => {
    const c = loadConfig({ DATABASE_URL: '', IMAP_URL: ' ', STAFF_REQUIRE_AUTH: 'false', SMTP_ENABLED: 'no' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.IMAP_URL).toBeUndefined();
    expect(c.STAFF_REQUIRE_AUTH).toBe(false);
    expect(c.SMTP_ENABLED).toBe(false);
  });

  it('reads lists and numbers', () => {
    const c = loadConfig({ OWN_ADDRESSES: 'A@x.test, b@y.test', MAX_ATTACHMENTS: '7', DIGEST_RECIPIENTS: 'boss@x.test' });
    expect(c.OWN_ADDRESSES).toEqual(['a@x.test', 'b@y.test']);
    expect(c.MAX_ATTACHMENTS).toBe(7);
    expect(c.DIGEST_RECIPIENTS).toEqual(['boss@x.test']);
  });

  it('the ADR scheme defaults to the details in the Code of Practice; the postal address is read line by line', () => {
    const c = loadConfig({});
    expect([c.ADR_SCHEME_NAME, c.ADR_SCHEME_ADDRESS, c.ADR_SCHEME_EMAIL, c.ADR_SCHEME_PHONE, c.ADR_SCHEME_TEXTPHONE, c.ADR_SCHEME_WEB]).toEqual([
      'Ombudsman Services: Communications',
      ['PO Box 730', 'WA4 6WU'],
      'osenquiries@os-communications.org',
      '0330 440 1614',
      '0330 440 1600',
      'http://www.ombudsman-services.org/communications',
    ]);
    expect(loadConfig({ ADR_SCHEME_ADDRESS: 'Unit 7, Quay House,, Salford , M50 3AB' }).ADR_SCHEME_ADDRESS).toEqual(['Unit 7', 'Quay House', 'Salford', 'M50 3AB']);
  });

  it('refuses ADR scheme details that could not reach anyone, naming each variable', () => {
    let message = '';
    try {
      loadConfig({ ADR_SCHEME_EMAIL: 'ombudsman', ADR_SCHEME_PHONE: 'call us', ADR_SCHEME_TEXTPHONE: '1', ADR_SCHEME_WEB: 'ftp://ombudsman.example', ADR_SCHEME_ADDRESS: ', ,' });
    } catch (err) {
      message = (err as ConfigError).message;
    }
    for (const name of ['ADR_SCHEME_EMAIL', 'ADR_SCHEME_PHONE', 'ADR_SCHEME_TEXTPHONE', 'ADR_SCHEME_WEB', 'ADR_SCHEME_ADDRESS']) expect(message).toContain(name);
    expect(message).toContain('ADR_SCHEME_WEB: must be an http:// or https:// address');
    expect(message).toContain('ADR_SCHEME_ADDRESS: must be the postal address, its lines separated by commas');
  });

  it('checks the business calendar settings: the holiday region must exist, opening before closing', () => {
    expect(() => loadConfig({ HOLIDAY_REGION: 'XX' })).toThrow(/HOLIDAY_REGION/);
    expect(() => loadConfig({ BUSINESS_OPENS: '18:00', BUSINESS_CLOSES: '09:00' })).toThrow(/BUSINESS_OPENS/);
  });

  it('reports every bad variable at once, by name, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ IMAP_URL: 'http://user:hunter2@x', SMTP_LISTEN: 'nowhere', MAX_ATTACHMENTS: '-1', BUSINESS_TIMEZONE: 'Mars/Base', DIGEST_TIME: '25:00', RETENTION_DAYS_AFTER_CLOSE: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['IMAP_URL', 'SMTP_LISTEN', 'MAX_ATTACHMENTS', 'BUSINESS_TIMEZONE', 'DIGEST_TIME', 'RETENTION_DAYS_AFTER_CLOSE']) expect(message).toContain(name);
    expect(message).toContain('HOST:PORT');
    expect(message).not.toContain('hunter2');
  });

  describe('OAuth2 sign-in', () => {
    const gmail = {
      IMAP_AUTH: 'oauth2',
      SMTP_AUTH: 'oauth2',
      IMAP_URL: 'imaps://complaints%40example.com@imap.gmail.com/INBOX',
      AUTHSERV_ID: 'mx.google.com',
      SMTP_URL: 'smtps://complaints%40example.com@smtp.gmail.com:465',
      OAUTH2_TOKEN_URL: 'https://oauth2.googleapis.com/token',
      OAUTH2_CLIENT_ID: 'client-1.apps.googleusercontent.com',
      OAUTH2_CLIENT_SECRET: 'GOCSPX-secret',
      OAUTH2_REFRESH_TOKEN: '1//refresh-secret',
      OAUTH2_SCOPE: 'https://mail.google.com/',
    };
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };

    it('password sign-in stays the default; a Gmail set-up parses', () => {
      expect(loadConfig({}).IMAP_AUTH).toBe('password');
      expect(loadConfig({}).SMTP_AUTH).toBe('password');
      const c = loadConfig(gmail);
      expect(c).toMatchObject({ IMAP_AUTH: 'oauth2', SMTP_AUTH: 'oauth2', OAUTH2_REFRESH_TOKEN: '1//refresh-secret', OAUTH2_SCOPE: 'https://mail.google.com/' });
    });

    it('oauth2 needs the token endpoint, the client, and a secret for client credentials, each named', () => {
      expect(problems({ IMAP_AUTH: 'oauth2', IMAP_URL: gmail.IMAP_URL, AUTHSERV_ID: gmail.AUTHSERV_ID })).toEqual([
        'OAUTH2_TOKEN_URL: required when IMAP_AUTH or SMTP_AUTH is oauth2',
        'OAUTH2_CLIENT_ID: required when IMAP_AUTH or SMTP_AUTH is oauth2',
        'OAUTH2_CLIENT_SECRET: required for the client-credentials grant (or set OAUTH2_REFRESH_TOKEN for the refresh-token grant)',
      ]);
    });

    it('the URL names the mailbox user and carries no password', () => {
      expect(problems({ ...gmail, IMAP_URL: 'imaps://u%40example.com:hunter2@imap.gmail.com/INBOX', SMTP_URL: '' })).toEqual([
        'IMAP_URL: with IMAP_AUTH=oauth2 it names the mailbox user and no password, for example imaps://complaints%40example.com@outlook.office365.com/INBOX',
        'SMTP_URL: SMTP_AUTH=oauth2 signs in to SMTP_URL, which is not set',
      ]);
    });

    it('the token URL is https (plain http only to this machine), and OAUTH2_* without an oauth2 sign-in is a mistake', () => {
      expect(problems({ ...gmail, OAUTH2_TOKEN_URL: 'http://idp.example.com/token' })).toEqual([
        'OAUTH2_TOKEN_URL: must be https:// (http:// only to 127.0.0.1 or localhost)',
      ]);
      expect(problems({ ...gmail, OAUTH2_TOKEN_URL: 'http://127.0.0.1:8080/token' })).toEqual([]);
      expect(problems({ ...gmail, IMAP_AUTH: 'password', SMTP_AUTH: 'password', IMAP_URL: 'imaps://u:p@h/INBOX', SMTP_URL: '' })).toEqual([
        'IMAP_AUTH: OAUTH2_* is set but neither IMAP_AUTH nor SMTP_AUTH is oauth2: set IMAP_AUTH=oauth2 and/or SMTP_AUTH=oauth2, or unset OAUTH2_* (got "password")',
      ]);
    });

    it('never echoes a secret, a token or a URL in a problem', () => {
      const listed = problems({ ...gmail, IMAP_AUTH: 'xoauth', OAUTH2_CLIENT_SECRET: '', OAUTH2_REFRESH_TOKEN: '', OAUTH2_TOKEN_URL: 'ftp://x/1//refresh-secret' }).join('\n');
      expect(listed).toContain('IMAP_AUTH');
      expect(listed).toContain('OAUTH2_TOKEN_URL');
      expect(listed).not.toContain('refresh-secret');
    });
  });

  it('the send loop and the relay wait in seconds, not minutes, by default; a send expiry under 5 s is refused by name', () => {
    const c = loadConfig({});
    expect([c.SMTP_CONNECT_TIMEOUT_SECONDS, c.SMTP_GREETING_TIMEOUT_SECONDS, c.SMTP_SOCKET_TIMEOUT_SECONDS]).toEqual([10, 10, 30]);
    expect([c.SMTP_MAX_CONNECTIONS, c.SEND_BATCH_SIZE, c.SEND_POLL_SECONDS, c.SEND_EXPIRE_SECONDS]).toEqual([5, 50, 2, 60]);
    expect([c.DB_OUTAGE_MAX_SECONDS, c.DIGEST_MAX_ITEMS]).toEqual([60, 50]);
    expect(() => loadConfig({ SEND_EXPIRE_SECONDS: '2' })).toThrow(/SEND_EXPIRE_SECONDS/);
    expect(() => loadConfig({ SMTP_MAX_CONNECTIONS: '0' })).toThrow(/SMTP_MAX_CONNECTIONS/);
  });
});
