import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { errorMessage, RedressError } from '../errors.ts';
import { OUTBOUND_KINDS } from './message-types.ts';

/**
 * The message templates, read and compiled once (at start-up, so a broken or missing one
 * fails there and not at the first send): `templates/<kind>.subject|text|html.hbs`, with
 * shared partials in `templates/partials/` (`<name>.text.hbs` or `<name>.html.hbs`).
 */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export type Part = 'subject' | 'text' | 'html';
type Template = Handlebars.TemplateDelegate;
export interface Templates {
  templates: Map<string, Template>;
}

const KNOWN_HELPERS = { paragraphs: true, eq: true, number: true } as const;
const GROUPED = new Intl.NumberFormat('en-GB');
const cache = new Map<string, Templates>();

/** Compiles every template in `dir` (once per directory). */
export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): Templates {
  const key = path.resolve(dir);
  let set = cache.get(key);
  if (!set) {
    set = compileDir(key);
    cache.set(key, set);
  }
  return set;
}

function compileDir(dir: string): Templates {
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
