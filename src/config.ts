import { z } from 'zod';
import { RedressError } from './errors.ts';
import { LOG_FORMATS } from './log.ts';
import { validateSettings } from './policy/calendar.ts';

/** Empty strings count as unset, so `FOO=` in a compose file means "use the default". */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, value: z.input<T>) =>
  z.preprocess(blankToUndefined, schema.prefault(value as never));

const positiveInt = z.coerce.number().int().positive();
const bool = z.stringbool();
const emailList = z
  .string()
  .transform((s) => s.split(',').map((a) => a.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.email()));

const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, 'must be HOST:PORT, for example 127.0.0.1:2525')
  .transform((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  });

const imapUrl = z
  .url()
  .refine((u) => /^imaps?:\/\//.test(u), 'must be imap://user:pass@host:port/MAILBOX or imaps://...');

const smtpUrl = z
  .url()
  .refine((u) => /^smtps?:\/\//.test(u), 'must be smtp://user:pass@host:port or smtps://...');

const signIn = z.enum(['password', 'oauth2']);

/** The client secret goes to this URL: TLS, except on this machine (a local test or proxy). */
const tokenUrl = z
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(u), 'must be https:// (http:// only to 127.0.0.1 or localhost)');

const isoInstant = z.iso.datetime({ offset: true });

/** `user:password,user2:password2`: the servers allowed to submit to the SMTP listener. */
const listenUsers = z
  .string()
  .transform((s) => s.split(',').map((pair) => pair.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\S+$/, 'each entry must be user:password')).min(1))
  .transform((pairs) => new Map(pairs.map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)])));

/** `PO Box 730, WA4 6WU`: one line per comma-separated part, as a letter prints it. */
const postalAddress = z
  .string()
  .transform((s) => s.split(',').map((line) => line.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, 'must be the postal address, its lines separated by commas'));

const phone = z.string().regex(/^\+?[0-9][0-9 ()-]{4,}$/, 'must be a phone number such as 0330 440 1614');

const webUrl = z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// address');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

export const configSchema = z.object({
  DATABASE_URL: opt(z.string().regex(/^postgres(ql)?:\/\//, 'must be postgres://user@host:port/db')),
  REDRESS_DATA_DIR: withDefault(z.string(), './.redress'),
  EMBEDDED_PG_PORT: withDefault(z.coerce.number().int().min(1024).max(65535), 54329),
  REDRESS_NOW: opt(isoInstant),
  LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  LOG_FORMAT: withDefault(z.enum(LOG_FORMATS), 'auto'),

  IMAP_URL: opt(imapUrl),
  IMAP_PROCESSED_FOLDER: withDefault(z.string().min(1), 'Processed'),
  IMAP_POLL_SECONDS: withDefault(positiveInt, 60),
  IMAP_BATCH_SIZE: withDefault(positiveInt, 200),
  IMAP_CONCURRENCY: withDefault(positiveInt, 1),
  IMAP_TLS_VERIFY: withDefault(bool, 'true'),
  IMAP_AUTH: withDefault(signIn, 'password'),

  SMTP_LISTEN: withDefault(hostPort, '127.0.0.1:2525'),
  SMTP_PROTOCOL: withDefault(z.enum(['smtp', 'lmtp']), 'smtp'),
  SMTP_ENABLED: opt(bool),
  SMTP_LISTEN_MAX_CLIENTS: withDefault(positiveInt, 20),
  SMTP_LISTEN_CONNECTIONS_PER_MINUTE: withDefault(positiveInt, 60),
  SMTP_LISTEN_USERS: opt(listenUsers),
  SMTP_LISTEN_TLS_CERT: opt(z.string()),
  SMTP_LISTEN_TLS_KEY: opt(z.string()),
  SMTP_SPOOL_THRESHOLD_BYTES: withDefault(positiveInt, 1024 * 1024),
  SENDER_AUTH_TIMEOUT_SECONDS: withDefault(positiveInt, 15),
  SMTP_URL: opt(smtpUrl),
  SMTP_AUTH: withDefault(signIn, 'password'),
  OAUTH2_TOKEN_URL: opt(tokenUrl),
  OAUTH2_CLIENT_ID: opt(z.string()),
  OAUTH2_CLIENT_SECRET: opt(z.string()),
  OAUTH2_REFRESH_TOKEN: opt(z.string()),
  OAUTH2_SCOPE: opt(z.string()),
  METRICS_LISTEN: opt(hostPort),

  COMPLAINTS_ADDRESS: withDefault(z.email(), 'complaints@redress.localhost'),
  OWN_ADDRESSES: withDefault(emailList, ''),
  MAIL_DOMAIN: opt(z.string().regex(/^[a-z0-9.-]+$/i, 'must be a domain name')),
  ORGANISATION_NAME: withDefault(z.string(), 'Redress Telecom'),
  STAFF_REQUIRE_AUTH: withDefault(bool, 'true'),
  AUTHSERV_ID: opt(z.string()),

  MAX_MESSAGE_BYTES: withDefault(positiveInt, 25 * 1024 * 1024),
  MAX_ATTACHMENTS: withDefault(positiveInt, 50),
  MAX_HEADER_BYTES: withDefault(positiveInt, 256 * 1024),
  MAX_MIME_DEPTH: withDefault(positiveInt, 20),

  BUSINESS_TIMEZONE: withDefault(z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London'), 'Europe/London'),
  HOLIDAY_REGION: withDefault(z.string().regex(/^[A-Z]{2}(-[A-Z0-9]+)?$/, 'must be COUNTRY or COUNTRY-STATE, for example GB-ENG'), 'GB-ENG'),
  BUSINESS_OPENS: withDefault(hhmm, '09:00'),
  BUSINESS_CLOSES: withDefault(hhmm, '17:30'),
  REPEAT_COMPLAINT_THRESHOLD: withDefault(positiveInt, 2),
  REPEAT_COMPLAINT_WINDOW_DAYS: withDefault(positiveInt, 365),
  MISSING_FACTS_MIN_WORDS: withDefault(positiveInt, 8),

  // POLICY.md numbers: each rule's time is configuration, not a literal in code.
  ACK_BUSINESS_DAYS: withDefault(positiveInt, 1),
  REVIEW_BUSINESS_DAYS: withDefault(positiveInt, 1),
  UPDATE_EVERY_BUSINESS_DAYS: withDefault(positiveInt, 5),
  ENGINEERING_TARGET_BUSINESS_DAYS: withDefault(positiveInt, 3),
  ENGINEERING_OVERDUE_BUSINESS_DAYS: withDefault(positiveInt, 5),
  DIRECTOR_DAYS: withDefault(positiveInt, 5),
  SILENCE_CLOSURE_BUSINESS_DAYS: withDefault(positiveInt, 5),
  ADR_DAYS: withDefault(positiveInt, 56),
  ADR_WARNING_DAYS: withDefault(positiveInt, 14),
  DEADLINE_GRACE_SECONDS: withDefault(z.coerce.number().int().min(0), 300),
  AUTO_REPLY_DAILY_CAP: withDefault(positiveInt, 10),
  STAFF_ALERTS_PER_SENDER_DAILY_CAP: withDefault(positiveInt, 5),
  DIGEST_TIME: withDefault(hhmm, '08:30'),
  DIGEST_RECIPIENTS: withDefault(emailList, ''),
  DIGEST_MAX_ITEMS: withDefault(positiveInt, 50),
  SEND_RETRY_LIMIT: withDefault(z.coerce.number().int().min(0), 5),
  SEND_RETRY_DELAY_SECONDS: withDefault(positiveInt, 60),

  // The send loop and the relay: every wait is bounded in seconds, so one stalled step never holds the rest.
  SEND_BATCH_SIZE: withDefault(positiveInt, 50),
  SEND_POLL_SECONDS: withDefault(positiveInt, 2),
  SEND_EXPIRE_SECONDS: withDefault(z.coerce.number().int().min(5), 60),
  SMTP_MAX_CONNECTIONS: withDefault(positiveInt, 5),
  SMTP_CONNECT_TIMEOUT_SECONDS: withDefault(positiveInt, 10),
  SMTP_GREETING_TIMEOUT_SECONDS: withDefault(positiveInt, 10),
  SMTP_SOCKET_TIMEOUT_SECONDS: withDefault(positiveInt, 30),
  DB_OUTAGE_MAX_SECONDS: withDefault(positiveInt, 60),
  // Three years after closure, the raw mail and personal data of a case go (`redress purge`).
  RETENTION_DAYS_AFTER_CLOSE: withDefault(positiveInt, 1095),

  // The ADR scheme the 8-week notice (R14) and the deadlock letter (R15) send customers to.
  // Defaults: the details in the Code of Practice.
  ADR_SCHEME_NAME: withDefault(z.string().trim().min(1), 'Ombudsman Services: Communications'),
  ADR_SCHEME_ADDRESS: withDefault(postalAddress, 'PO Box 730, WA4 6WU'),
  ADR_SCHEME_EMAIL: withDefault(z.email(), 'osenquiries@os-communications.org'),
  ADR_SCHEME_PHONE: withDefault(phone, '0330 440 1614'),
  ADR_SCHEME_TEXTPHONE: withDefault(phone, '0330 440 1600'),
  ADR_SCHEME_WEB: withDefault(webUrl, 'http://www.ombudsman-services.org/communications'),
}).superRefine((c, ctx) => {
  // IMAP mail always came through an MTA: only its Authentication-Results can vouch for a sender.
  if (c.IMAP_URL && c.STAFF_REQUIRE_AUTH && !c.AUTHSERV_ID) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTHSERV_ID'],
      message: 'STAFF_REQUIRE_AUTH=true with IMAP_URL needs AUTHSERV_ID: the authserv-id your MTA writes in Authentication-Results (see README, "Sender authentication"), or set STAFF_REQUIRE_AUTH=false to let staff act by email unauthenticated',
    });
  }
  if (Boolean(c.SMTP_LISTEN_TLS_CERT) !== Boolean(c.SMTP_LISTEN_TLS_KEY)) {
    ctx.addIssue({ code: 'custom', path: [c.SMTP_LISTEN_TLS_CERT ? 'SMTP_LISTEN_TLS_KEY' : 'SMTP_LISTEN_TLS_CERT'], message: 'SMTP_LISTEN_TLS_CERT and SMTP_LISTEN_TLS_KEY go together: set both files or neither' });
  }
  // The calendar checks what a schema cannot: the holiday region exists, opening precedes closing.
  try {
    validateSettings({ timeZone: c.BUSINESS_TIMEZONE, holidayRegion: c.HOLIDAY_REGION, opens: c.BUSINESS_OPENS, closes: c.BUSINESS_CLOSES });
  } catch (err) {
    const field = err instanceof RedressError ? String(err.context.field ?? '') : '';
    ctx.addIssue({ code: 'custom', path: [CALENDAR_FIELDS[field] ?? 'HOLIDAY_REGION'], message: err instanceof Error ? err.message : String(err) });
  }
  for (const [path, message] of oauth2Problems(c)) ctx.addIssue({ code: 'custom', path: [path], message });
});

type OAuth2Fields = Pick<
  z.output<typeof configSchema>,
  'IMAP_AUTH' | 'IMAP_URL' | 'SMTP_AUTH' | 'SMTP_URL' | 'OAUTH2_TOKEN_URL' | 'OAUTH2_CLIENT_ID' | 'OAUTH2_CLIENT_SECRET' | 'OAUTH2_REFRESH_TOKEN'
>;

/** OAuth2 sign-in needs the token endpoint and client, a mailbox user in the URL and no password there. */
function oauth2Problems(c: OAuth2Fields): [string, string][] {
  const problems: [string, string][] = [];
  const signIns = [
    ['IMAP', c.IMAP_AUTH, c.IMAP_URL, 'imaps://complaints%40example.com@outlook.office365.com/INBOX'],
    ['SMTP', c.SMTP_AUTH, c.SMTP_URL, 'smtp://complaints%40example.com@smtp.office365.com:587'],
  ] as const;
  for (const [proto, auth, url, example] of signIns) {
    if (auth !== 'oauth2') continue;
    const parsed = url ? URL.parse(url) : null;
    if (!url) problems.push([`${proto}_URL`, `${proto}_AUTH=oauth2 signs in to ${proto}_URL, which is not set`]);
    else if (!parsed?.username || parsed.password) problems.push([`${proto}_URL`, `with ${proto}_AUTH=oauth2 it names the mailbox user and no password, for example ${example}`]);
  }
  const used = c.IMAP_AUTH === 'oauth2' || c.SMTP_AUTH === 'oauth2';
  if (used && !c.OAUTH2_TOKEN_URL) problems.push(['OAUTH2_TOKEN_URL', 'required when IMAP_AUTH or SMTP_AUTH is oauth2']);
  if (used && !c.OAUTH2_CLIENT_ID) problems.push(['OAUTH2_CLIENT_ID', 'required when IMAP_AUTH or SMTP_AUTH is oauth2']);
  if (used && !c.OAUTH2_REFRESH_TOKEN && !c.OAUTH2_CLIENT_SECRET) {
    problems.push(['OAUTH2_CLIENT_SECRET', 'required for the client-credentials grant (or set OAUTH2_REFRESH_TOKEN for the refresh-token grant)']);
  }
  if (!used && (c.OAUTH2_TOKEN_URL || c.OAUTH2_REFRESH_TOKEN)) {
    problems.push(['IMAP_AUTH', 'OAUTH2_* is set but neither IMAP_AUTH nor SMTP_AUTH is oauth2: set IMAP_AUTH=oauth2 and/or SMTP_AUTH=oauth2, or unset OAUTH2_*']);
  }
  return problems;
}

const CALENDAR_FIELDS: Record<string, string> = {
  timeZone: 'BUSINESS_TIMEZONE',
  holidayRegion: 'HOLIDAY_REGION',
  opens: 'BUSINESS_OPENS',
  closes: 'BUSINESS_CLOSES',
};

export type Config = z.output<typeof configSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Pure: reads the given environment once, reports every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}${describeValue(env, i.path)}`),
    );
  }
  return result.data;
}

function describeValue(env: Record<string, string | undefined>, path: PropertyKey[]): string {
  const key = String(path[0] ?? '');
  const value = env[key];
  // blank counts as unset, so "(got \"\")" would only confuse
  if (value === undefined || value.trim() === '' || /URL|PASS|SECRET|USERS|TOKEN/.test(key)) return '';
  return ` (got ${JSON.stringify(value)})`;
}
