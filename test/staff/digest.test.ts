import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/outbound/render.ts';
import { loadTemplates } from '../../src/outbound/templates.ts';
import { buildDigest } from '../../src/jobs/digest-job.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';

const templates = loadTemplates();
const ORDINARY = 'My broadband has dropped out every evening for two weeks and the engineer never came.';
const VULNERABLE = 'My father is 87, lives alone and is housebound. His bill for August was taken twice and he cannot afford the second payment. Please refund it.';

/** The digest at scale: DIGEST_MAX_ITEMS lines a section, priority first, exact counts, and where the rest are. */
describe('a digest people read', () => {
  let db: TestDb;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, { DIGEST_MAX_ITEMS: '3' });
    for (let i = 0; i < 9; i += 1) {
      const body = i === 6 || i === 8 ? VULNERABLE : ORDINARY;
      const id = `digest-${i}@customer.test`;
      app.clock.advance(60_000); // one a minute, so "oldest first" is well defined
      await app.process({ raw: Buffer.from(rawMail({ from: `Customer ${i} <${id}>`, subject: `Complaint ${i}`, body }, id, app.clock.now())), receivedAt: app.clock.now(), source: 'file' });
    }
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('R4/R8: each section lists at most DIGEST_MAX_ITEMS cases, priority first; the counts stay exact and the rest are named with the command that lists them', async () => {
    const digest = await buildDigest(app.digest, app.clock.now());
    expect(digest.counts.newAwaitingReview).toBe(9);
    expect(digest.counts.priority).toBe(2);
    const review = digest.sections.find((s) => s.title === 'New cases awaiting review (R4)')!;
    expect(review.lines).toHaveLength(3);
    expect(review.lines.map((l) => l.priority)).toEqual([true, true, false]);
    expect(review.more).toEqual({ count: 6, where: ['redress cases --status new'] });

    const { text } = renderMessage(templates, 'staff_digest', digest);
    expect(text).toMatch(/New, awaiting review: +9\n/);
    expect(text).toMatch(/Priority cases: +2\n/);
    expect(text).toContain('... and 6 more: `redress cases --status new`\n');
    expect(text.match(/^(\[PRIORITY\] )?CMP-\d{4}-\d{6}: new: review owed/gm)).toHaveLength(3);
  });

  it('a section that fits lists everything and names nothing more', async () => {
    const digest = await buildDigest({ ...app.digest, maxItems: 50 }, app.clock.now());
    const review = digest.sections.find((s) => s.title === 'New cases awaiting review (R4)')!;
    expect(review.lines).toHaveLength(9);
    expect(review.more).toBeNull();
    expect(renderMessage(templates, 'staff_digest', digest).text).not.toContain('more: `redress cases');
  });
});
