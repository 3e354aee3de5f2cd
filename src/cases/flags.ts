import type { ComplaintSignals } from '../mail/message.ts';
import { PRIORITY_FLAGS, type CaseFlag } from '../vocabulary.ts';

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
