import type { Db } from '../db/pool.ts';
import type { CustomerRecord, StoredCustomer } from './customer-rows.ts';

/** The customers stored under these addresses, locked until the import commits. */
export async function customersByEmail(db: Db, emails: string[]): Promise<StoredCustomer[]> {
  if (emails.length === 0) return [];
  return db<StoredCustomer[]>`
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
