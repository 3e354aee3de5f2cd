/** Polls a condition against the outside world (a mailbox, a folder, a log) until it holds or the time is up. */
export async function waitUntil(what: string, timeoutMs: number, ready: () => Promise<boolean>, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
