import type { Db } from '../db/pool.ts';
import type { StaffRole } from '../vocabulary.ts';

export interface StaffRow {
  id: bigint;
  email: string;
  role: StaffRole;
  display_name: string | null;
  active: boolean;
}

export async function activeStaffAddresses(db: Db): Promise<Set<string>> {
  const rows = await db<{ email: string }[]>`select email from staff where active`;
  return new Set(rows.map((r) => r.email));
}

export async function findStaffByEmail(db: Db, email: string): Promise<StaffRow | undefined> {
  const [row] = await db<[StaffRow?]>`
    select id, email, role, display_name, active from staff where email = ${email.toLowerCase()} and active`;
  return row;
}

export async function addStaff(db: Db, email: string, role: StaffRole, displayName?: string): Promise<StaffRow> {
  const [row] = await db<[StaffRow]>`
    insert into staff (email, role, display_name) values (${email.toLowerCase()}, ${role}, ${displayName ?? null})
    on conflict (email) do update set role = excluded.role, active = true,
      display_name = coalesce(excluded.display_name, staff.display_name)
    returning id, email, role, display_name, active`;
  return row;
}

export async function listStaff(db: Db): Promise<StaffRow[]> {
  return db<StaffRow[]>`select id, email, role, display_name, active from staff where active order by role, email`;
}

export async function staffByRole(db: Db, role: StaffRole): Promise<StaffRow[]> {
  return db<StaffRow[]>`select id, email, role, display_name, active from staff where active and role = ${role} order by email`;
}

/** Removal deactivates: history keeps pointing at who acted. */
export async function removeStaff(db: Db, email: string): Promise<boolean> {
  const rows = await db`update staff set active = false where email = ${email.toLowerCase()} and active returning id`;
  return rows.length > 0;
}
