import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout holds: the domains import one another in one direction only (no circles), and
 * the pure core imports nothing that does I/O, directly or through what it imports.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Every import of a file: project files as paths relative to src/, packages by name; `runtime` false for `import type`. */
function importsOf(file: string): { spec: string; runtime: boolean }[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => {
    const spec = m[3] ?? m[4] ?? '';
    return { spec: spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec, runtime: !m[2] };
  });
}

const files = sourceFiles(SRC).map((f) => path.relative(SRC, f));
const imports = new Map(files.map((f) => [f, importsOf(path.join(SRC, f))]));
/** Everything a file refers to (types too): what makes a circle between folders. */
const graph = new Map([...imports].map(([f, deps]) => [f, deps.map((d) => d.spec)]));
/** What a file loads when it runs: what can do I/O. */
const runtime = new Map([...imports].map(([f, deps]) => [f, deps.filter((d) => d.runtime).map((d) => d.spec)]));
const domainOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : file.replace(/\.ts$/, ''));

describe('architecture: the layout the issue asked for', () => {
  it('domains import each other in one direction only: no circle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const [file, deps] of graph) {
      for (const dep of deps.filter((d) => graph.has(d))) {
        const [a, b] = [domainOf(file), domainOf(dep)];
        if (a !== b) edges.set(a, new Set([...(edges.get(a) ?? []), b]));
      }
    }
    const circles: string[] = [];
    for (const [a, targets] of edges) for (const b of targets) if (edges.get(b)?.has(a) && a < b) circles.push(`${a} <-> ${b}`);
    expect(circles).toEqual([]);
    // And the order the issue names: intake hands the domain a parsed message; the domain hands the writer rows and the outbox intents.
    const order = ['vocabulary', 'mail', 'policy', 'outbound', 'staff', 'cases', 'intake', 'jobs'];
    const upward = [...edges].flatMap(([a, targets]) => [...targets].filter((b) => order.includes(a) && order.includes(b) && order.indexOf(b) > order.indexOf(a)).map((b) => `${a} -> ${b}`));
    expect(upward).toEqual([]);
  });

  /** The rules: plain functions of data and an injected clock. */
  const PURE = [
    'vocabulary.ts',
    'mail/message.ts',
    'policy/calendar.ts',
    'policy/deadlines.ts',
    'cases/lifecycle.ts',
    'cases/staff-decisions.ts',
    'cases/decision.ts',
    'cases/apply.ts',
    'cases/arrivals.ts',
    'cases/case-intake.ts',
    'cases/staff-actions.ts',
    'cases/world.ts',
    'cases/flags.ts',
    'outbound/planner.ts',
    'outbound/render.ts',
    'outbound/message-data.ts',
    'outbound/recipients.ts',
    'intake/classify.ts',
    'intake/batch.ts',
    'intake/threading.ts',
    'intake/thread-keys.ts',
    'intake/sender-auth.ts',
    'intake/signals.ts',
    'staff/commands.ts',
    'staff/receipts.ts',
    'staff/digest.ts',
  ];
  const IO = /(^|\/)[\w-]+-repo\.ts$|^db\/(pool|database|embedded|migrate|retry|outage)\.ts$|^(postgres|pg-boss|imapflow|smtp-server|mailauth|node:fs|node:fs\/promises|node:net|node:http|node:child_process)$|^nodemailer$/;

  it.each(PURE)('%s imports nothing that does I/O, directly or indirectly', (file) => {
    expect(graph.has(file)).toBe(true);
    const seen = new Set<string>();
    const offending: string[] = [];
    const visit = (f: string, via: string[]) => {
      for (const dep of runtime.get(f) ?? []) {
        if (IO.test(dep)) offending.push([...via, f, dep].join(' -> '));
        else if (runtime.has(dep) && !seen.has(dep)) {
          seen.add(dep);
          visit(dep, [...via, f]);
        }
      }
    };
    visit(file, []);
    expect(offending).toEqual([]);
  });
});
