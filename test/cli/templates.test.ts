import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageSettings } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { OUTBOUND_KINDS, renderMessage } from '../../src/outbound/render.ts';
import { loadTemplates } from '../../src/outbound/templates.ts';
import { previewData, sampleCase, sampleDigest, type PreviewContext } from '../../src/cli/template-preview.ts';
import { createBusinessCalendar, DEFAULT_BUSINESS_CALENDAR_SETTINGS } from '../../src/policy/calendar.ts';
import { DEFAULT_POLICY } from '../../src/policy/settings.ts';
import { cliRunner } from '../helpers/cli.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';
import { testConfig } from '../helpers/test-config.ts';

const NOW = new Date('2026-11-25T09:00:00Z'); // a Wednesday
const templates = loadTemplates();

describe('templates preview data (pure)', () => {
  const ctx: PreviewContext = {
    calendar: createBusinessCalendar(DEFAULT_BUSINESS_CALENDAR_SETTINGS),
    policy: DEFAULT_POLICY,
    settings: messageSettings(loadConfig({ COMPLAINTS_ADDRESS: 'complaints@redress.test' })),
  };

  it.each(OUTBOUND_KINDS.filter((k) => k !== 'staff_digest'))('%s renders from the sample case, its reference in the subject', (kind) => {
    const { parties, facts } = sampleCase(NOW);
    const m = renderMessage(templates, kind, previewData(kind, parties, facts, ctx, NOW));
    expect(m.subject).toMatch(/\[CMP-2026-000042\]$/);
    expect(m.text).toContain('CMP-2026-000042');
    expect(m.html).toContain('CMP-2026-000042');
  });

  it('staff_digest renders the sample digest, priority first', () => {
    const m = renderMessage(templates, 'staff_digest', sampleDigest(ctx, NOW));
    expect(m.subject).toBe('Redress Telecom complaints digest for Wednesday 25 November 2026: 1 overdue, 1 due today, 2 new');
    expect(m.text.indexOf('CMP-2026-000044')).toBeLessThan(m.text.indexOf('CMP-2026-000043'));
  });
});

describe('redress templates preview', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDb();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-templates-'));
    env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS: 'complaints@redress.test', REDRESS_NOW: NOW.toISOString() };
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const redress = cliRunner(() => env);

  it('KIND alone renders the sample case without a database: the subject, then the text part', async () => {
    const out = await redress(['templates', 'preview', 'outcome'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' });
    expect(out.code).toBe(0);
    expect(out.stdout.startsWith('Subject: The outcome of your complaint [CMP-2026-000042]\n\nDear Pat Jones,\n')).toBe(true);
    expect(out.stdout).toContain('We have refunded the duplicate charge of £42.50');
  });

  it('--case REF fills it from the case in the database; --html prints the HTML part', async () => {
    const file = path.join(dir, 'complaint.eml');
    await fs.writeFile(file, rawMail({ from: 'Robin Fox <robin@example.com>', subject: 'Broadband down for a week', body: 'My broadband has been down for a week and nobody has come to fix the line despite three calls.' }, 'tpl-1@example.com', new Date('2026-11-23T10:00:00Z')));
    expect((await redress(['ingest', file, '--received-at', '2026-11-23T10:00:00Z'])).code).toBe(0);
    const [kase] = await db.sql<{ reference: string }[]>`select reference from cases`;

    const text = await redress(['templates', 'preview', 'progress', '--case', kase!.reference]);
    expect(text.stdout.split('\n')[0]).toBe(`Subject: An update on your complaint [${kase!.reference}]`);
    expect(text.stdout).toContain('Dear Robin Fox,');
    expect(text.stdout).toContain('"Broadband down for a week"');
    expect(text.stdout).toContain('We aim to resolve the complaint by Monday 18 January 2027.'); // 56 days from its receipt (R14)

    const html = await redress(['templates', 'preview', 'ack', '--case', kase!.reference, '--html']);
    expect(html.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.stdout).toContain(kase!.reference);
    expect(html.stdout).toContain('Robin Fox');
  });

  it('an unknown kind lists the kinds; an unknown case exits 3', async () => {
    const kind = await redress(['templates', 'preview', 'memo']);
    expect(kind).toMatchObject({ code: 1, stderr: `redress: no template kind "memo"; one of ${OUTBOUND_KINDS.join(', ')}\n` });
    const missing = await redress(['templates', 'preview', 'ack', '--case', 'CMP-2026-999999']);
    expect(missing).toMatchObject({ code: 3, stderr: 'redress: no case CMP-2026-999999\n' });
  });
});
