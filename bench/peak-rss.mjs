// Loaded with `node --import` into a child the big-mail benchmark runs: on exit, the process's
// own peak RSS (bytes) goes to file descriptor 3, which the benchmark opened as a pipe.
import fs from 'node:fs';

process.on('exit', () => {
  fs.writeSync(3, `${process.resourceUsage().maxRSS * 1024}\n`);
});
