import type { Db } from '../db/pool.ts';

export interface CustomerRow {
  id: bigint;
  email: string | null;
  display_name: string | null;
  preferred_format: 'text' | 'html' | 'post';
}

/** The customer with this address, created if new; a name learnt later fills a missing one. */
export async function upsertCustomerByEmail(db: Db, email: string, displayName?: string): Promise<CustomerRow> {
  const [row] = await db<[CustomerRow]>`
    insert into customers (email, display_name) values (${email.toLowerCase()}, ${displayName ?? null})
    on conflict (email) do update set display_name = coalesce(customers.display_name, excluded.display_name)
    returning id, email, display_name, preferred_format`;
  return row;
}

/** A customer named by a representative (R9), who may have no address we know. */
export async function createNamedCustomer(db: Db, displayName: string | undefined, email: string | undefined): Promise<CustomerRow> {
  if (email) return upsertCustomerByEmail(db, email, displayName);
  const [row] = await db<[CustomerRow]>`
    insert into customers (display_name) values (${displayName ?? null})
    returning id, email, display_name, preferred_format`;
  return row;
}

export async function setPreferredFormat(db: Db, customerId: bigint, format: 'text' | 'html' | 'post'): Promise<void> {
  await db`update customers set preferred_format = ${format} where id = ${customerId}`;
}

/** R8 repeat complainant: complaints this customer made in the window before `before`. */
export async function countEarlierComplaints(db: Db, customerId: bigint, since: Date, before: Date): Promise<number> {
  const [row] = await db<[{ n: number }]>`
    select count(*)::int as n from cases
    where (customer_id = ${customerId} or representative_id = ${customerId})
      and received_at >= ${since} and received_at < ${before}`;
  return row.n;
}
