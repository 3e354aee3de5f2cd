import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { threadingTag } from '../cases/reference.ts';
import { errorMessage, RedressError } from '../errors.ts';

/**
 * Rendering is pure: message data in, subject/text/html out. Templates live in
 * `templates/` as `<kind>.subject.hbs`, `<kind>.text.hbs`, `<kind>.html.hbs`, with shared
 * partials in `templates/partials/` (`<name>.text.hbs` or `<name>.html.hbs`). They are read
 * and compiled once per directory; after that nothing here touches I/O.
 */

import { OUTBOUND_KINDS, type CaseMessageData, type DataFor, type OutboundKind, type StaffDigestData } from './message-types.ts';

export { OUTBOUND_KINDS } from './message-types.ts';
export type * from './message-types.ts';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export function renderMessage<K extends OutboundKind>(kind: K, data: DataFor<K>, templatesDir: string = DEFAULT_TEMPLATES_DIR): RenderedMessage {
  const set = templateSet(templatesDir);
  const view = kind === 'staff_digest' ? priorityFirst(data as StaffDigestData) : viewOf(data);
  const reference = 'reference' in data ? data.reference : undefined;
  return {
    subject: withReference(oneLine(fill(set, kind, 'subject', view)), reference),
    text: tidyText(fill(set, kind, 'text', view)),
    html: fill(set, kind, 'html', view),
  };
}

/** Reads and compiles every template in `dir` now, so a broken or missing template fails at start-up. */
export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): void {
  templateSet(dir);
}

/** Collapses every run of whitespace and control characters (CR/LF included) to one space. */
export function oneLine(s: string): string {
  return s.replace(/[\s\u0000-\u001f\u007f\u0085]+/g, ' ').trim();
}

type Part = 'subject' | 'text' | 'html';
type Template = Handlebars.TemplateDelegate;
interface TemplateSet {
  templates: Map<string, Template>;
}

const cache = new Map<string, TemplateSet>();
const KNOWN_HELPERS = { paragraphs: true, eq: true, number: true } as const;
const GROUPED = new Intl.NumberFormat('en-GB');

function templateSet(dir: string): TemplateSet {
  const key = path.resolve(dir);
  let set = cache.get(key);
  if (!set) {
    set = compileDir(key);
    cache.set(key, set);
  }
  return set;
}

function compileDir(dir: string): TemplateSet {
  const hb = Handlebars.create();
  hb.registerHelper('paragraphs', paragraphs(hb));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('number', (n: unknown) => (typeof n === 'number' ? GROUPED.format(n) : String(n)));
  const partialsDir = path.join(dir, 'partials');
  for (const file of readDir(partialsDir).filter((f) => f.endsWith('.hbs'))) {
    const name = file.slice(0, -'.hbs'.length);
    hb.registerPartial(name, compile(hb, path.join(partialsDir, file), name.endsWith('.html') ? 'html' : 'text'));
  }
  const templates = new Map<string, Template>();
  for (const kind of OUTBOUND_KINDS) {
    for (const part of ['subject', 'text', 'html'] as const) {
      templates.set(`${kind}.${part}`, compile(hb, path.join(dir, `${kind}.${part}.hbs`), part));
    }
  }
  return { templates };
}

function compile(hb: typeof Handlebars, file: string, part: Part): Template {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RedressError('config', `cannot read template ${file}: ${errorMessage(err)}; is the templates directory right?`, { cause: err });
  }
  try {
    hb.parse(source); // syntax errors now, not at the first send
    return hb.compile(source, { strict: true, knownHelpersOnly: true, knownHelpers: KNOWN_HELPERS, noEscape: part !== 'html' });
  } catch (err) {
    throw new RedressError('config', `template ${path.basename(file)}: ${errorMessage(err)}`, { cause: err });
  }
}

function fill(set: TemplateSet, kind: OutboundKind, part: Part, view: object): string {
  const name = `${kind}.${part}`;
  const template = set.templates.get(name);
  if (!template) throw new RedressError('invalid_input', `no template ${name}.hbs: kind must be one of ${OUTBOUND_KINDS.join(', ')}`);
  try {
    return template(view);
  } catch (err) {
    const missing = /^"([^"]+)" not defined in .*?(?: - (\d+:\d+))?$/s.exec(errorMessage(err));
    const what = missing ? `missing field "${missing[1]}"${missing[2] ? ` (at ${missing[2]})` : ''}` : errorMessage(err);
    throw new RedressError('invalid_input', `template ${name}.hbs: ${what}`, { cause: err, context: { kind, template: `${name}.hbs` } });
  }
}

/**
 * Adds what every template may use besides the data: the footer's threading line and
 * `addresseeName` (the representative's name for R9, else the customer's). The customer's
 * subject line and names are one-line values wherever they appear.
 */
function viewOf(data: object): object {
  if (!('reference' in data && 'token' in data && typeof data.reference === 'string' && typeof data.token === 'string')) return data;
  const c = data as CaseMessageData;
  const addressee = c.representative ? c.representative.name : c.customerName; // R9: write to the representative
  return {
    ...c,
    caseSubject: oneLine(c.caseSubject ?? ''),
    ...(c.customerName === undefined ? {} : { customerName: oneLine(c.customerName) }),
    ...(c.representative === undefined ? {} : { representative: c.representative.name === undefined ? {} : { name: oneLine(c.representative.name) } }),
    ...(addressee ? { addresseeName: oneLine(addressee) } : {}),
    threadingTag: threadingTag(c.reference, c.token),
  };
}

/** R8: priority cases are shown first in each digest section (a stable sort keeps the caller's order otherwise). */
function priorityFirst(digest: StaffDigestData): StaffDigestData {
  const sections = digest.sections.map((s) => ({ ...s, lines: [...s.lines].sort((a, b) => Number(b.priority) - Number(a.priority)) }));
  return { ...digest, sections };
}

function withReference(subject: string, reference: string | undefined): string {
  if (!reference) return subject;
  const tag = `[${reference}]`;
  return subject.includes(tag) ? subject : `${subject} ${tag}`.trim();
}

/** Text bodies: LF line ends, no trailing spaces, at most one blank line in a row, one final newline. */
function tidyText(s: string): string {
  const lines = s.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd());
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

/** `{{paragraphs text}}`: escape first, then blank lines become paragraphs and single line breaks <br>. */
function paragraphs(hb: typeof Handlebars) {
  return (value: unknown): Handlebars.SafeString => {
    if (typeof value !== 'string') throw new Error(`paragraphs: expected text, got ${value === undefined ? 'nothing' : typeof value}`);
    const html = value
      .replace(/\r\n?/g, '\n')
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => `<p style="margin:0 0 16px">${hb.escapeExpression(p).replace(/\n/g, '<br>\n')}</p>`)
      .join('\n');
    return new hb.SafeString(html);
  };
}

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    throw new RedressError('config', `cannot read template partials in ${dir}: ${errorMessage(err)}`, { cause: err });
  }
}
