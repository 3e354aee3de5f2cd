import type { QueryObserver, Sql } from '../../src/db/pool.ts';

/** A distinct statement text as a path sent it, with the parameters of its first run. */
export interface CapturedStatement {
  text: string;
  parameters: readonly unknown[];
  types: readonly number[];
  paths: Set<string>;
}

/** Records each distinct statement the app sends while a named path runs (`during`); nothing outside one. */
export function statementRecorder() {
  const statements = new Map<string, CapturedStatement>();
  let current: string | undefined;
  const observe: QueryObserver = (text, parameters, types) => {
    if (current === undefined) return;
    const known = statements.get(text);
    if (known) known.paths.add(current);
    else statements.set(text, { text, parameters: [...parameters], types: [...types], paths: new Set([current]) });
  };
  return {
    observe,
    async during<T>(path: string, run: () => Promise<T>): Promise<T> {
      current = path;
      try {
        return await run();
      } finally {
        current = undefined;
      }
    },
    statements: (): CapturedStatement[] => [...statements.values()],
  };
}

/** What counts as large: tables (schema.name) and indexes (by name, with their first key column) over a number of rows. */
export interface LargeRelations {
  tables: Set<string>;
  indexes: Map<string, { table: string; leading: string }>;
}

/** Tables and indexes holding more than `rows` rows (or entries) by the planner's statistics. */
export async function largeRelations(sql: Sql, rows: number): Promise<LargeRelations> {
  const [tables, indexes] = await Promise.all([
    sql<{ name: string }[]>`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and c.reltuples > ${rows}`,
    sql<{ name: string; table: string; leading: string }[]>`
      select i.relname as name, t.relname as table, pg_get_indexdef(x.indexrelid, 1, true) as leading
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where i.reltuples > ${rows}`,
  ]);
  return { tables: new Set(tables.map((t) => t.name)), indexes: new Map(indexes.map((i) => [i.name, { table: i.table, leading: i.leading }])) };
}

const EXPLAINABLE = /^\s*(select|insert|update|delete|with)\b/i;

export function explainable(s: CapturedStatement): boolean {
  return EXPLAINABLE.test(s.text);
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/**
 * What the statement's plan reads whole among the large relations, planned as its first run
 * was (EXPLAIN with the captured parameters, bound with their types): a sequential scan of a
 * large table, or an index scan of a large index with no condition on its first column
 * (which walks the whole index: `(status, created_at)` searched by `created_at` alone).
 */
export async function wholeScans(sql: Sql, s: CapturedStatement, large: LargeRelations): Promise<string[]> {
  const parameters = s.parameters.map((p, i) => (s.types[i] ? sql.typed(p as never, s.types[i]!) : p));
  const [row] = await sql.unsafe(`explain (format json, verbose) ${s.text}`, parameters as never[]);
  const output = (row as Record<string, unknown>)['QUERY PLAN'];
  const [top] = (typeof output === 'string' ? JSON.parse(output) : output) as [{ Plan: PlanNode }];
  return nodes(top.Plan).flatMap((n) => wholeScan(n, large));
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

function wholeScan(n: PlanNode, large: LargeRelations): string[] {
  const table = `${n.Schema ?? 'public'}.${n['Relation Name'] ?? ''}`;
  if (n['Node Type'] === 'Seq Scan' && large.tables.has(table)) return [`seq scan of ${table}`];
  const index = n['Index Name'] ? large.indexes.get(n['Index Name']) : undefined;
  if (!index) return [];
  const leading = new RegExp(`(^|[(.\\s])${index.leading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`);
  return leading.test(n['Index Cond'] ?? '') ? [] : [`whole index ${n['Index Name']} (${n['Index Cond'] ?? 'no condition'})`];
}
