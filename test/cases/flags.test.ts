import { describe, expect, it } from 'vitest';

import { flagsFromSignals, isPriority } from '../../src/cases/flags.ts';
import { CASE_FLAGS, PRIORITY_FLAGS } from '../../src/vocabulary.ts';
import type { ComplaintSignals } from '../../src/intake/types.ts';

const DEFAULT_REPEAT_THRESHOLD = 2; // POLICY.md R8: 2 or more earlier complaints within 12 months

function signals(over: Partial<ComplaintSignals> = {}): ComplaintSignals {
  return { vulnerable: false, urgent: false, harm: false, technical: false, missingFacts: false, preferredFormat: 'text', evidence: [], ...over };
}

describe('case flags from what a complaint says', () => {
  it('gives no flags to a plain first complaint', () => {
    expect(flagsFromSignals(signals(), 0, DEFAULT_REPEAT_THRESHOLD)).toEqual([]);
  });

  it.each<[Partial<ComplaintSignals>, string, string]>([
    [{ vulnerable: true }, 'vulnerable', 'R8'],
    [{ urgent: true }, 'urgent', 'R8'],
    [{ harm: true }, 'harm', 'R8'],
    [{ technical: true }, 'technical', 'R6'],
    [{ thirdParty: { customerName: 'Ann Smith' } }, 'third_party', 'R9'],
    [{ thirdParty: {} }, 'third_party', 'R9'],
    [{ missingFacts: true }, 'missing_facts', 'R2'],
  ])('%j -> %s (%s)', (over, flag) => {
    expect(flagsFromSignals(signals(over), 0, DEFAULT_REPEAT_THRESHOLD)).toEqual([flag]);
  });

  it('sets every applicable flag together, in a stable order', () => {
    const all = signals({ vulnerable: true, urgent: true, harm: true, technical: true, thirdParty: {}, missingFacts: true });
    expect(flagsFromSignals(all, 5, DEFAULT_REPEAT_THRESHOLD)).toEqual(['vulnerable', 'urgent', 'harm', 'repeat', 'technical', 'third_party', 'missing_facts']);
  });

  it('ignores the preferred format and the evidence (R10 is not a flag)', () => {
    expect(flagsFromSignals(signals({ preferredFormat: 'post', evidence: ['post: "by letter"'] }), 0, DEFAULT_REPEAT_THRESHOLD)).toEqual([]);
  });

  it('only produces flags the case model knows', () => {
    const all = signals({ vulnerable: true, urgent: true, harm: true, technical: true, thirdParty: {}, missingFacts: true });
    for (const flag of flagsFromSignals(all, 9, DEFAULT_REPEAT_THRESHOLD)) expect(CASE_FLAGS).toContain(flag);
  });

  describe('R8 repeat complainant', () => {
    it.each([
      [0, false],
      [1, false],
      [2, true],
      [3, true],
      [40, true],
    ])('%i earlier complaints against the default threshold of 2 -> repeat: %s', (earlier, repeat) => {
      expect(flagsFromSignals(signals(), earlier, DEFAULT_REPEAT_THRESHOLD).includes('repeat')).toBe(repeat);
    });

    it('uses the configured threshold', () => {
      expect(flagsFromSignals(signals(), 2, 3)).toEqual([]);
      expect(flagsFromSignals(signals(), 3, 3)).toEqual(['repeat']);
      expect(flagsFromSignals(signals(), 1, 1)).toEqual(['repeat']);
    });

    it('never flags repeat when the threshold is Infinity (replies on an existing case)', () => {
      expect(flagsFromSignals(signals(), Number.MAX_SAFE_INTEGER, Infinity)).toEqual([]);
    });
  });
});

describe('R8 priority referral', () => {
  it('is raised by significant harm, urgency, a vulnerable customer or a repeat complainant', () => {
    expect([...PRIORITY_FLAGS].sort()).toEqual(['harm', 'repeat', 'urgent', 'vulnerable']);
  });

  it.each(['vulnerable', 'urgent', 'harm', 'repeat'])('%s makes the case a priority', (flag) => {
    expect(isPriority([flag])).toBe(true);
    expect(isPriority(['technical', flag, 'third_party'])).toBe(true);
  });

  it.each(['technical', 'third_party', 'missing_facts', 'vexatious', 'out_of_jurisdiction'])('%s alone is not a priority', (flag) => {
    expect(isPriority([flag])).toBe(false);
  });

  it('is false with no flags and for unknown flags', () => {
    expect(isPriority([])).toBe(false);
    expect(isPriority(['VULNERABLE', 'out-of-jurisdiction', 'priority'])).toBe(false);
  });

  it('follows from flagsFromSignals: a third complaint (2 earlier) is a priority referral', () => {
    expect(isPriority(flagsFromSignals(signals(), 2, DEFAULT_REPEAT_THRESHOLD))).toBe(true);
    expect(isPriority(flagsFromSignals(signals(), 1, DEFAULT_REPEAT_THRESHOLD))).toBe(false);
  });
});
