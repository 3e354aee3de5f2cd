import type { ComplaintSignals } from '../../src/intake/types.ts';

/** The flags a labelled message carries, as the fixtures spell them. */
export interface FlagLabels {
  vulnerable: boolean;
  urgent: boolean;
  harm: boolean;
  technical: boolean;
  thirdParty: boolean;
  missingFacts: boolean;
  format: 'text' | 'html' | 'post';
}

export const FLAGS = ['vulnerable', 'urgent', 'harm', 'technical', 'thirdParty', 'missingFacts', 'format=post', 'format=html'] as const;
export type Flag = (typeof FLAGS)[number];

export interface FlagScore {
  flag: Flag;
  positives: number;
  truePositives: number;
  falsePositives: number;
  /** undefined when nothing was flagged (no claim to be right or wrong). */
  precision: number | undefined;
  /** undefined when the set holds no positive. */
  recall: number | undefined;
  missed: string[];
  falseAlarms: string[];
}

export function flagsOf(signals: ComplaintSignals): FlagLabels {
  const { vulnerable, urgent, harm, technical, missingFacts, preferredFormat } = signals;
  return { vulnerable, urgent, harm, technical, thirdParty: signals.thirdParty !== undefined, missingFacts, format: preferredFormat };
}

function has(labels: FlagLabels, flag: Flag): boolean {
  if (flag === 'format=post') return labels.format === 'post';
  if (flag === 'format=html') return labels.format === 'html';
  return labels[flag];
}

export function score(items: { id: string; expected: FlagLabels; actual: FlagLabels }[]): FlagScore[] {
  return FLAGS.map((flag) => {
    const positives = items.filter((i) => has(i.expected, flag));
    const flagged = items.filter((i) => has(i.actual, flag));
    const truePositives = positives.filter((i) => has(i.actual, flag)).length;
    return {
      flag,
      positives: positives.length,
      truePositives,
      falsePositives: flagged.length - truePositives,
      precision: flagged.length === 0 ? undefined : truePositives / flagged.length,
      recall: positives.length === 0 ? undefined : truePositives / positives.length,
      missed: positives.filter((i) => !has(i.actual, flag)).map((i) => i.id),
      falseAlarms: flagged.filter((i) => !has(i.expected, flag)).map((i) => i.id),
    };
  });
}

const pct = (x: number | undefined) => (x === undefined ? '  n/a' : `${(x * 100).toFixed(0).padStart(4)}%`);

export function table(scores: FlagScore[]): string {
  const rows = scores.map((s) => `${s.flag.padEnd(13)} ${String(s.positives).padStart(9)} ${String(s.truePositives).padStart(4)} ${String(s.falsePositives).padStart(4)} ${pct(s.precision)} ${pct(s.recall)}`);
  return ['flag          positives   tp   fp  prec  recall', ...rows].join('\n');
}
