import { nextIds, type Db, type Tx } from '../db/pool.ts';
import type { CustomerRecord, StoredCustomer } from './customer-rows.ts';
import type { Format } from '../vocabulary.ts';

/** Every statement on `customers`. */

export interface CustomerRow {
  id: bigint;
  email: string | null;
  display_name: string | null;
  preferred_format: Format;
  postal_address: string | null;
  /** Where the outcome goes (R10) when it is not the address they write from. */
  registered_email: string | null;
}

/** Customers by address or id (addresses lower-cased). */
export async function findCustomers(db: Db, by: { emails?: readonly string[]; ids?: readonly bigint[] }): Promise<CustomerRow[]> {
  const emails = [...(by.emails ?? [])];
  const ids = [...(by.ids ?? [])];
  if (emails.length + ids.length === 0) return [];
  return db<CustomerRow[]>`
    select id, email, display_name, preferred_format, postal_address, registered_email from customers
    where id in (select id from customers where email = any(${emails}::text[]) union select id from customers where id = any(${ids.map(String)}::bigint[]))`;
}

export function reserveCustomers(tx: Tx, n: number): Promise<bigint[]> {
  return nextIds(tx, 'customers_id_seq', n);
}

export interface CustomerWrite {
  id: bigint;
  email: string | null;
  displayName: string | null;
  preferredFormat: Format;
}

/**
 * New customers are inserted with their reserved ids; known ones get the name learnt later
 * (never overwriting one) and the format they asked for. A concurrent insert of the same
 * address fails the batch, which is then retried message by message against fresh rows.
 */
export function writeCustomers(tx: Tx, created: readonly CustomerWrite[], updated: readonly CustomerWrite[]): Promise<unknown>[] {
  const out: Promise<unknown>[] = [];
  if (created.length > 0) {
    out.push(tx`insert into customers ${tx(created.map((c) => ({ id: c.id, email: c.email, display_name: c.displayName, preferred_format: c.preferredFormat })))}`);
  }
  if (updated.length > 0) {
    const json = JSON.stringify(updated.map((c) => ({ id: c.id.toString(), display_name: c.displayName, preferred_format: c.preferredFormat })));
    out.push(tx`
      update customers c set display_name = coalesce(c.display_name, v.display_name), preferred_format = v.preferred_format
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, display_name text, preferred_format text)
      where c.id = v.id`);
  }
  return out;
}

/** The customers stored under these addresses, locked until the import commits. */
export async function customersByEmail(tx: Tx, emails: string[]): Promise<StoredCustomer[]> {
  if (emails.length === 0) return [];
  return tx<StoredCustomer[]>`
    select email, display_name, registered_email, account from customers
    where email = any(${emails}::text[]) for update`;
}

/**
 * One statement for every row that creates or changes a customer; an empty cell (null here)
 * keeps what is stored, so a customer who wrote in since the file was read keeps their name.
 */
export async function upsertCustomers(db: Db, records: CustomerRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({ email: r.email, name: r.name ?? null, registered_email: r.registeredEmail ?? null, account: r.account ?? null }));
  await db`
    insert into customers (email, display_name, registered_email, account)
    select email, name, registered_email, account
    from jsonb_to_recordset(${db.json(rows as never)}) as r(email text, name text, registered_email text, account text)
    on conflict (email) do update set
      display_name = coalesce(excluded.display_name, customers.display_name),
      registered_email = coalesce(excluded.registered_email, customers.registered_email),
      account = coalesce(excluded.account, customers.account)`;
}

export async function findCustomerByEmail(db: Db, email: string): Promise<StoredCustomer | undefined> {
  const [row] = await db<[StoredCustomer?]>`select email, display_name, registered_email, account from customers where email = ${email}`;
  return row;
}
