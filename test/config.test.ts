import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config (one zod schema, read once)', () => {
  it('defaults are parsed like values: booleans, HOST:PORT, lists', () => {
    const c = loadConfig({});
    expect(c.STAFF_REQUIRE_AUTH).toBe(false);
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
});
