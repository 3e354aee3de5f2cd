import type { IntakeInput, IntakeOutcome } from './types.ts';

/**
 * Group commit for concurrent sessions: while one batch is being stored, messages that
 * arrive wait and then go together as the next batch (at most `maxBatch`). A lone message
 * goes at once, so nothing waits when the listener is quiet; under load, many sessions
 * share one transaction. Each caller gets its own message's outcome, or the batch's error.
 */
export function groupCommit(processMany: (inputs: readonly IntakeInput[]) => Promise<IntakeOutcome[]>, maxBatch: number): (input: IntakeInput) => Promise<IntakeOutcome> {
  const waiting: { input: IntakeInput; resolve: (o: IntakeOutcome) => void; reject: (e: unknown) => void }[] = [];
  let running = false;
  const next = async (): Promise<void> => {
    if (running || waiting.length === 0) return;
    running = true;
    const batch = waiting.splice(0, maxBatch);
    try {
      const outcomes = await processMany(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      running = false;
      void next();
    }
  };
  return (input) =>
    new Promise<IntakeOutcome>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      void next();
    });
}
