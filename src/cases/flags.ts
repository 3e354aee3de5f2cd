import type { ComplaintSignals } from '../intake/types.ts';

export const CASE_FLAGS = [
  'vulnerable',
  'urgent',
  'harm',
  'repeat',
  'technical',
  'third_party',
  'missing_facts',
  'vexatious',
  'out_of_jurisdiction',
] as const;
export type CaseFlag = (typeof CASE_FLAGS)[number];

/** R8: these make a case a priority referral, shown first in digests. */
export const PRIORITY_FLAGS: readonly CaseFlag[] = ['vulnerable', 'urgent', 'harm', 'repeat'];

export function isPriority(flags: readonly string[]): boolean {
  return flags.some((f) => (PRIORITY_FLAGS as readonly string[]).includes(f));
}

/** Flags a new complaint carries from what it says (R2, R6, R8, R9) and its sender's history (R8 repeat). */
export function flagsFromSignals(signals: ComplaintSignals, earlierComplaints: number, repeatThreshold: number): CaseFlag[] {
  const flags: CaseFlag[] = [];
  if (signals.vulnerable) flags.push('vulnerable');
  if (signals.urgent) flags.push('urgent');
  if (signals.harm) flags.push('harm');
  if (earlierComplaints >= repeatThreshold) flags.push('repeat');
  if (signals.technical) flags.push('technical');
  if (signals.thirdParty) flags.push('third_party');
  if (signals.missingFacts) flags.push('missing_facts');
  return flags;
}
