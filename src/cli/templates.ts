import type { Command } from 'commander';
import type { App } from '../app.ts';
import { messageSettings, policySettings } from '../app.ts';
import { findCaseByReference, lockCases } from '../cases/cases-repo.ts';
import { clockFromConfig } from '../clock.ts';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { OUTBOUND_KINDS, type OutboundKind } from '../outbound/message-types.ts';
import { caseParties } from '../outbound/outbox-repo.ts';
import { renderMessage, type RenderedMessage } from '../outbound/render.ts';
import { loadTemplates } from '../outbound/templates.ts';
import { previewData, sampleCase, sampleDigest, type PreviewContext } from './template-preview.ts';
import { createBusinessCalendar } from '../policy/calendar.ts';

import { buildDigest } from '../jobs/digest-job.ts';
import { withApp } from './with-app.ts';

export function templatesCommand(program: Command, config: () => Config): void {
  const templates = program.command('templates').description('the message templates in templates/');
  templates
    .command('preview')
    .description('render a template as it would be sent: from a case in the database (--case) or a sample case')
    .argument('<kind>', OUTBOUND_KINDS.join('|'))
    .option('--case <reference>', 'fill it from this case (staff_digest: the digest as of now)')
    .option('--html', 'print the HTML part (default: the subject and the text part)')
    .action(async (kind: string, opts: { case?: string; html?: boolean }) => {
      if (!(OUTBOUND_KINDS as readonly string[]).includes(kind)) {
        throw new RedressError('invalid_input', `no template kind ${JSON.stringify(kind)}; one of ${OUTBOUND_KINDS.join(', ')}`);
      }
      const k = kind as OutboundKind;
      const rendered = opts.case === undefined ? fromSample(config(), k) : await withApp(config, (app) => fromCase(app, k, opts.case!));
      process.stdout.write(opts.html ? `${rendered.html.trimEnd()}\n` : `Subject: ${rendered.subject}\n\n${rendered.text}`);
    });
}

/** Needs no database: the sample case with the configured calendar, policy and names. */
function fromSample(config: Config, kind: OutboundKind): RenderedMessage {
  const templates = loadTemplates();
  const ctx: PreviewContext = {
    calendar: createBusinessCalendar({ timeZone: config.BUSINESS_TIMEZONE, holidayRegion: config.HOLIDAY_REGION, opens: config.BUSINESS_OPENS, closes: config.BUSINESS_CLOSES }),
    policy: policySettings(config),
    settings: messageSettings(config),
  };
  const now = clockFromConfig(config.REDRESS_NOW).now();
  if (kind === 'staff_digest') return renderMessage(templates, kind, sampleDigest(ctx, now));
  const { parties, facts } = sampleCase(now);
  return renderMessage(templates, kind, previewData(kind, parties, facts, ctx, now));
}

async function fromCase(app: App, kind: OutboundKind, reference: string): Promise<RenderedMessage> {
  const now = app.clock.now();
  if (kind === 'staff_digest') return renderMessage(app.outbox.templates, kind, await buildDigest(app.digest, now));
  const kase = await findCaseByReference(app.db.sql, reference);
  const parties = kase && (await caseParties(app.db.sql, kase.id));
  // Facts are read under the row lock the lifecycle takes, released at once: a consistent snapshot.
  const facts = kase && (await app.db.sql.begin(async (tx) => (await lockCases(tx, [kase.id]))[0]?.facts));
  if (!parties || !facts) throw new RedressError('not_found', `no case ${reference}`);
  return renderMessage(app.outbox.templates, kind, previewData(kind, parties, facts, app.outbox, now));
}
