/**
 * The process entry (`node dist/main.js` in the image; `bin/redress.mjs` runs it through tsx
 * in development): the CLI with the real arguments and environment, then an exit that waits
 * for stdout and stderr to drain, so a large answer through a pipe arrives whole.
 */
import { exitWhenDrained, ignoreClosedPipes } from './cli/exit.ts';
import { runCli } from './cli/main.ts';

ignoreClosedPipes();
const code = await runCli(process.argv, process.env);
await exitWhenDrained(code);
