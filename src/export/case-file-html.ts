import fs from 'node:fs';
import Handlebars from 'handlebars';
import type { Timeline } from './case-file.ts';

/**
 * Pure once compiled: `timeline.html`, readable in any browser without Redress (no scripts, no
 * outside resources). Handlebars escapes every value, so a hostile subject or note stays text.
 */
const TEMPLATE = new URL('../../templates/case-file/timeline.html.hbs', import.meta.url);

let compiled: Handlebars.TemplateDelegate<Timeline> | undefined;

export function timelineHtml(t: Timeline): string {
  compiled ??= compile();
  return compiled(t);
}

function compile(): Handlebars.TemplateDelegate<Timeline> {
  const hb = Handlebars.create();
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 1));
  return hb.compile<Timeline>(fs.readFileSync(TEMPLATE, 'utf8'), { strict: true, knownHelpersOnly: true, knownHelpers: { json: true } });
}
