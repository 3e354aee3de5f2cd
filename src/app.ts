import path from 'node:path';
import type PgBoss from 'pg-boss';
import type { CaseDeps } from './cases/advance.ts';
import { clockFromConfig, systemClock, systemStopwatch, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import type { QueryObserver } from './db/pool.ts';
import { migrate } from './db/migrate.ts';
import { commitBatch, intakeBatch, intakeMessage, intakeMessages, prepareBatch, type BatchAfterStore, type IntakeDeps, type IntakeSettings } from './intake/intake.ts';
import type { BatchIntake, IntakeInput, IntakeOutcome, ProcessMessage } from './intake/types.ts';
import { createAccessTokens, type AccessTokens } from './oauth2/access-tokens.ts';
import { requestToken } from './oauth2/token-endpoint.ts';
import type { OAuth2Settings } from './oauth2/tokens.ts';
import { enqueueSends, startBoss } from './jobs/boss.ts';
import type { RunDueDeps } from './jobs/run-due.ts';
import { createLogger, type Logger } from './log.ts';
import { createPipelineMetrics, type PipelineMetrics } from './monitoring/metrics.ts';
import type { MessageSettings } from './outbound/message-data.ts';
import type { OutboxContext } from './outbound/planner.ts';
import { loadTemplates } from './outbound/templates.ts';
import { createSender, type Sender, type SmtpSettings } from './outbound/sender.ts';
import type { SendDeps } from './jobs/send-job.ts';
import { createBusinessCalendar, type BusinessCalendar } from './policy/calendar.ts';
import type { PolicySettings } from './policy/settings.ts';
import type { DigestDeps } from './jobs/digest-job.ts';

export interface App {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Database;
  boss: PgBoss;
  sender: Sender;
  /** OAuth2 tokens for the IMAP sign-in (IMAP_AUTH=oauth2). */
  imapTokens?: AccessTokens;
  calendar: BusinessCalendar;
  outbox: OutboxContext;
  lifecycle: CaseDeps;
  intake: IntakeDeps;
  send: SendDeps;
  digest: DigestDeps;
  runDue: RunDueDeps;
  process: ProcessMessage;
  /** Many messages in one transaction; throws when the batch failed (then take them one at a time). */
  processBatch(inputs: readonly IntakeInput[], afterStore?: BatchAfterStore): Promise<IntakeOutcome[]>;
  /** The same in two steps, for a source that parses the next batch while one commits (IMAP). */
  batch: BatchIntake;
  /** Many messages in one transaction, falling back to one at a time so a poison message is quarantined alone. */
  processMany(inputs: readonly IntakeInput[]): Promise<IntakeOutcome[]>;
  /** Intake-lag and send-latency histograms, served by the worker's /metrics. */
  metrics: PipelineMetrics;
  close(): Promise<void>;
}

export function intakeSettings(config: Config): IntakeSettings {
  return {
    limits: {
      maxMessageBytes: config.MAX_MESSAGE_BYTES,
      maxAttachments: config.MAX_ATTACHMENTS,
      maxHeaderBytes: config.MAX_HEADER_BYTES,
      maxMimeDepth: config.MAX_MIME_DEPTH,
    },
    ownAddresses: new Set([config.COMPLAINTS_ADDRESS.toLowerCase(), ...config.OWN_ADDRESSES]),
    staffAuthRequired: config.STAFF_REQUIRE_AUTH,
    authservId: config.AUTHSERV_ID,
    missingFactsMinWords: config.MISSING_FACTS_MIN_WORDS,
    timeZone: config.BUSINESS_TIMEZONE,
    repeatThreshold: config.REPEAT_COMPLAINT_THRESHOLD,
    repeatWindowDays: config.REPEAT_COMPLAINT_WINDOW_DAYS,
  };
}

/** POLICY.md's numbers, from config. */
export function policySettings(config: Config): PolicySettings {
  return {
    ackBusinessDays: config.ACK_BUSINESS_DAYS,
    reviewBusinessDays: config.REVIEW_BUSINESS_DAYS,
    updateEveryBusinessDays: config.UPDATE_EVERY_BUSINESS_DAYS,
    engineeringTargetBusinessDays: config.ENGINEERING_TARGET_BUSINESS_DAYS,
    engineeringOverdueBusinessDays: config.ENGINEERING_OVERDUE_BUSINESS_DAYS,
    directorDays: config.DIRECTOR_DAYS,
    silenceClosureBusinessDays: config.SILENCE_CLOSURE_BUSINESS_DAYS,
    adrDays: config.ADR_DAYS,
    adrWarningDays: config.ADR_WARNING_DAYS,
    graceSeconds: config.DEADLINE_GRACE_SECONDS,
  };
}

export function smtpSettings(config: Config): SmtpSettings {
  return {
    maxConnections: config.SMTP_MAX_CONNECTIONS,
    connectTimeoutMs: config.SMTP_CONNECT_TIMEOUT_SECONDS * 1000,
    greetingTimeoutMs: config.SMTP_GREETING_TIMEOUT_SECONDS * 1000,
    socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_SECONDS * 1000,
  };
}

export function oauth2Settings(config: Config): OAuth2Settings | undefined {
  if (config.IMAP_AUTH !== 'oauth2' && config.SMTP_AUTH !== 'oauth2') return undefined;
  if (!config.OAUTH2_TOKEN_URL || !config.OAUTH2_CLIENT_ID) return undefined; // the schema refuses this already
  return {
    tokenUrl: config.OAUTH2_TOKEN_URL,
    clientId: config.OAUTH2_CLIENT_ID,
    clientSecret: config.OAUTH2_CLIENT_SECRET,
    refreshToken: config.OAUTH2_REFRESH_TOKEN,
    scope: config.OAUTH2_SCOPE,
  };
}

/** One token source for IMAP and SMTP: the same app signs in to both. Wall-clock time, whatever REDRESS_NOW says. */
export function mailboxTokens(config: Config, log: Logger): { imap?: AccessTokens; smtp?: AccessTokens } {
  const settings = oauth2Settings(config);
  if (!settings) return {};
  const tokens = createAccessTokens(settings, { clock: systemClock, log, requestToken });
  return { imap: config.IMAP_AUTH === 'oauth2' ? tokens : undefined, smtp: config.SMTP_AUTH === 'oauth2' ? tokens : undefined };
}

export function mailDomain(config: Config): string {
  return config.MAIL_DOMAIN ?? config.COMPLAINTS_ADDRESS.split('@')[1]!;
}

/** Who we are in every message, and the ADR scheme the R14/R15 letters name. */
export function messageSettings(config: Config): MessageSettings {
  return {
    organisation: config.ORGANISATION_NAME,
    complaintsAddress: config.COMPLAINTS_ADDRESS.toLowerCase(),
    mailDomain: mailDomain(config),
    adrScheme: {
      name: config.ADR_SCHEME_NAME,
      address: config.ADR_SCHEME_ADDRESS,
      email: config.ADR_SCHEME_EMAIL,
      phone: config.ADR_SCHEME_PHONE,
      textphone: config.ADR_SCHEME_TEXTPHONE,
      web: config.ADR_SCHEME_WEB,
    },
  };
}

/**
 * Composition root: config -> logger, clock, database (migrated), pg-boss, sender ->
 * use cases. `worker` turns on pg-boss's own maintenance and cron for `redress start`;
 * `observeQueries` sees every statement the app sends (tests of the statements' plans).
 */
export async function openApp(config: Config, overrides: { log?: Logger; clock?: Clock; worker?: boolean; observeQueries?: QueryObserver } = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const clock = overrides.clock ?? clockFromConfig(config.REDRESS_NOW);
  // A missing or broken template fails here, at start-up, not at the first send.
  const templates = loadTemplates();
  if (!config.STAFF_REQUIRE_AUTH) {
    log.warn('STAFF_REQUIRE_AUTH=false: anyone who forges a staff From address can act on cases by email; set it to true (README, "Sender authentication")');
  }
  const calendar = createBusinessCalendar({ timeZone: config.BUSINESS_TIMEZONE, holidayRegion: config.HOLIDAY_REGION, opens: config.BUSINESS_OPENS, closes: config.BUSINESS_CLOSES });
  const db = await openDatabase(config, log, overrides.observeQueries);
  let boss: PgBoss;
  try {
    await migrate(db.sql, log);
    boss = await startBoss(db.sql, log, {
      retryLimit: config.SEND_RETRY_LIMIT,
      retryDelaySeconds: config.SEND_RETRY_DELAY_SECONDS,
      sendExpireSeconds: config.SEND_EXPIRE_SECONDS,
      worker: overrides.worker ?? false,
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const tokens = mailboxTokens(config, log);
  const sender = createSender({ smtpUrl: config.SMTP_URL, outboxDir: path.join(config.REDRESS_DATA_DIR, 'outbox'), log, smtp: smtpSettings(config), oauth2: tokens.smtp });
  const policy = policySettings(config);
  const outbox: OutboxContext = {
    calendar,
    policy,
    templates,
    settings: {
      ...messageSettings(config),
      autoReplyDailyCap: config.AUTO_REPLY_DAILY_CAP,
      staffAlertsPerSenderDailyCap: config.STAFF_ALERTS_PER_SENDER_DAILY_CAP,
      staffRecipients: config.DIGEST_RECIPIENTS,
    },
  };
  const enqueue = (tx: Parameters<typeof enqueueSends>[1], jobs: Parameters<typeof enqueueSends>[2]) => enqueueSends(boss, tx, jobs);
  const lifecycle: CaseDeps = { clock, log, domain: { calendar, policy, outbox }, enqueue };
  const metrics = createPipelineMetrics();
  const intake: IntakeDeps = { sql: db.sql, clock, log, settings: intakeSettings(config), domain: lifecycle.domain, enqueue, observe: metrics };
  const outage = { stopwatch: systemStopwatch, maxMs: config.DB_OUTAGE_MAX_SECONDS * 1000 };
  const send: SendDeps = { sql: db.sql, log, clock, sender, lifecycle, outage, observe: metrics };
  const digest: DigestDeps = { sql: db.sql, log, outbox, enqueue, digestTime: config.DIGEST_TIME, maxItems: config.DIGEST_MAX_ITEMS };
  return {
    config,
    log,
    clock,
    db,
    boss,
    sender,
    imapTokens: tokens.imap,
    calendar,
    outbox,
    lifecycle,
    intake,
    send,
    digest,
    runDue: { sql: db.sql, log, boss, lifecycle, send, digest },
    process: (input, afterStore) => intakeMessage(intake, input, afterStore && ((tx) => afterStore(tx))),
    processBatch: (inputs, afterStore) => intakeBatch(intake, inputs, afterStore),
    batch: { prepare: (inputs) => prepareBatch(intake, inputs), commit: (prepared, afterStore) => commitBatch(intake, prepared, afterStore) },
    processMany: (inputs) => intakeMessages(intake, inputs),
    metrics,
    close: async () => {
      await boss.stop({ graceful: true, wait: true, close: false });
      await sender.close();
      await db.close();
    },
  };
}
