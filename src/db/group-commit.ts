/**
 * Group commit for concurrent callers: while one batch is being stored, items that arrive
 * wait and then go together as the next batch (at most `maxBatch`). A lone item goes at
 * once, so nothing waits when things are quiet; under load, many callers share one
 * transaction. Each caller gets its own item's outcome, or the batch's error.
 */
export function groupCommit<I, O>(processMany: (inputs: readonly I[]) => Promise<O[]>, maxBatch: number): (input: I) => Promise<O> {
  const waiting: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
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
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      void next();
    });
}
