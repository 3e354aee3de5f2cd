import fs from 'node:fs/promises';
import type { Sql } from '../db/pool.ts';
import { errorMessage, RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { customerChange, readCustomer, readCustomerCsv, type CustomerFields, type RowError, type RowResult, type StoredCustomer } from '../cases/customer-rows.ts';
import { customersByEmail, findCustomerByEmail, upsertCustomers } from '../cases/customers-repo.ts';

/** The JSON `redress customers import --json` prints: a public interface, add fields, never rename. */
export interface ImportReport {
  file: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows that could not be read; when there are any, nothing was imported. */
  errors: RowError[];
}

/** The JSON `redress customers set --json` prints. */
export interface SetReport {
  email: string;
  result: RowResult;
  customer: { email: string; name: string | null; registered_email: string | null; account: string | null };
}

/**
 * `redress customers import FILE.csv`: all or nothing. A file with any bad row changes
 * nothing and names every bad line; a good one is applied in one transaction, and a second
 * import of the same file finds every row unchanged.
 */
export async function importCustomers(deps: { sql: Sql; log: Logger }, file: string): Promise<ImportReport> {
  const { records, errors } = readCustomerCsv(await readFile(file));
  const report: ImportReport = { file, rows: records.length + errors.length, created: 0, updated: 0, unchanged: 0, errors };
  if (errors.length > 0) return report;
  await deps.sql.begin(async (tx) => {
    const stored = new Map((await customersByEmail(tx, records.map((r) => r.email))).map((c) => [c.email, c]));
    const changing = records.filter((r) => tally(report, customerChange(stored.get(r.email), r)) !== 'unchanged');
    await upsertCustomers(tx, changing);
  });
  // Counts only: the file is personal data.
  deps.log.info({ rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged }, 'customers imported');
  return report;
}

/** `redress customers set EMAIL --registered-email ADDR`: one customer, created if new. */
export async function setCustomer(sql: Sql, email: string, fields: CustomerFields): Promise<SetReport> {
  const record = readCustomer(email, fields);
  if (!('email' in record)) throw new RedressError('invalid_input', record.message);
  return sql.begin(async (tx) => {
    const [stored] = await customersByEmail(tx, [record.email]);
    const result = customerChange(stored, record);
    if (result !== 'unchanged') await upsertCustomers(tx, [record]);
    return { email: record.email, result, customer: view((await findCustomerByEmail(tx, record.email))!) };
  });
}

function tally(report: ImportReport, result: RowResult): RowResult {
  report[result] += 1;
  return result;
}

function view(c: StoredCustomer): SetReport['customer'] {
  return { email: c.email, name: c.display_name, registered_email: c.registered_email, account: c.account };
}

async function readFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new RedressError('invalid_input', `cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

