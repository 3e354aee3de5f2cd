import { parse, type CsvError } from 'csv-parse/sync';
import { checkAddress } from '../outbound/compose.ts';

/**
 * Pure: the rows of a customers CSV (`redress customers import`), checked, and what each one
 * changes. Columns: email (the address the customer writes from, required), name,
 * registered_email (where the outcome goes, R10) and account. An empty cell leaves the stored
 * value as it is, so the same file imported twice changes nothing the second time.
 */
export const CUSTOMER_COLUMNS = ['email', 'name', 'registered_email', 'account'] as const;

export interface CustomerFields {
  name?: string;
  registeredEmail?: string;
  account?: string;
}

export interface CustomerRecord extends CustomerFields {
  /** The line the row starts on (the header is line 1). */
  line: number;
  email: string;
}

export interface RowError {
  line: number;
  message: string;
}

export interface StoredCustomer {
  email: string;
  display_name: string | null;
  registered_email: string | null;
  account: string | null;
}

export type RowResult = 'created' | 'updated' | 'unchanged';

const MAX_NAME = 200;
const MAX_ACCOUNT = 100;

export function readCustomerCsv(text: string | Buffer): { records: CustomerRecord[]; errors: RowError[] } {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with the parser's position (typed as plain rows by csv-parse).
    rows = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof rows;
  } catch (err) {
    const e = err as CsvError & { lines?: number };
    return { records: [], errors: [{ line: e.lines ?? 1, message: `not readable as CSV: ${e.message}` }] };
  }
  const lines = startLines(rows);
  const [header, ...body] = rows;
  if (!header) return { records: [], errors: [{ line: 1, message: `the file is empty; the first line must name the columns (${CUSTOMER_COLUMNS.join(', ')})` }] };
  const columns = header.record.map((c) => c.trim().toLowerCase());
  const headerProblem = checkHeader(columns);
  if (headerProblem) return { records: [], errors: [{ line: lines[0]!, message: headerProblem }] };
  const records: CustomerRecord[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const [i, row] of body.entries()) {
    const line = lines[i + 1]!;
    const read = readRow(columns, row.record.map((c) => c.trim()), line);
    if ('message' in read) {
      errors.push(read);
    } else if (seen.has(read.email)) {
      errors.push({ line, message: `${read.email} is already on line ${seen.get(read.email)}; give each customer one row` });
    } else {
      seen.set(read.email, line);
      records.push(read);
    }
  }
  return { records, errors };
}

/** A single customer as `redress customers set` gives it: checked like a CSV row. */
export function readCustomer(email: string, fields: CustomerFields): CustomerRecord | RowError {
  return readRow([...CUSTOMER_COLUMNS], [email, fields.name ?? '', fields.registeredEmail ?? '', fields.account ?? ''], 0);
}

/** What importing the record does to the customer stored under its email (undefined: none yet). */
export function customerChange(stored: StoredCustomer | undefined, r: CustomerRecord): RowResult {
  if (!stored) return 'created';
  const differs = (value: string | undefined, current: string | null) => value !== undefined && value !== current;
  return differs(r.name, stored.display_name) || differs(r.registeredEmail, stored.registered_email) || differs(r.account, stored.account) ? 'updated' : 'unchanged';
}

function checkHeader(columns: string[]): string | undefined {
  const unknown = columns.filter((c) => !(CUSTOMER_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) return `unknown column ${unknown.map((c) => JSON.stringify(c)).join(', ')}; the columns are ${CUSTOMER_COLUMNS.join(', ')}`;
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) return `the column ${twice} is named twice`;
  if (!columns.includes('email')) return `no email column; the first line must name the columns (${CUSTOMER_COLUMNS.join(', ')})`;
  return undefined;
}

function readRow(columns: string[], cells: string[], line: number): CustomerRecord | RowError {
  if (cells.length !== columns.length) return { line, message: `has ${cells.length} fields, the header has ${columns.length}` };
  const cell = (name: string) => {
    const i = columns.indexOf(name);
    const value = i < 0 ? '' : (cells[i] ?? '');
    return value === '' ? undefined : value;
  };
  const email = address(cell('email'), 'email');
  if (email === undefined) return { line, message: 'email is empty: every row needs the address the customer writes from' };
  if (typeof email !== 'string') return { line, ...email };
  const registered = address(cell('registered_email'), 'registered_email');
  if (registered !== undefined && typeof registered !== 'string') return { line, ...registered };
  const name = cell('name');
  const account = cell('account');
  if (name !== undefined && (name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name))) return { line, message: `name must be one line of at most ${MAX_NAME} characters` };
  if (account !== undefined && (account.length > MAX_ACCOUNT || /[\u0000-\u001f\u007f]/.test(account))) return { line, message: `account must be one line of at most ${MAX_ACCOUNT} characters` };
  return { line, email, name, registeredEmail: registered, account };
}

/** A plain address we can write to, lower-cased; a message saying why not otherwise. */
function address(value: string | undefined, column: string): string | { message: string } | undefined {
  if (value === undefined) return undefined;
  try {
    return checkAddress(value.toLowerCase(), column);
  } catch {
    return { message: `${column} ${JSON.stringify(value.slice(0, 100))} is not a plain email address` };
  }
}

/**
 * The line each record starts on. csv-parse gives the line a record ends on, and counts a CRLF
 * inside a quoted field as two lines (every later record's count is one more per such CRLF).
 */
function startLines(rows: { record: string[]; info: { lines: number } }[]): number[] {
  let overcount = 0;
  return rows.map((row) => {
    overcount += row.record.reduce((n, field) => n + (field.match(/\r\n/g)?.length ?? 0), 0);
    const breaks = row.record.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    return row.info.lines - overcount - breaks;
  });
}
