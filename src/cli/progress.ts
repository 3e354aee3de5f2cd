import { Writable } from 'node:stream';
import { MultiBar, Presets } from 'cli-progress';
import type { LogSink } from '../log.ts';

/**
 * Progress through a run of files, for a person at a terminal: a bar on stderr, redrawn in
 * place, with log lines (and result lines, when stdout is the same terminal) printed above
 * it. When stderr is not a terminal nothing extra is written anywhere.
 */
export interface FileProgress {
  /** A result line meant for stdout. */
  print(line: string): void;
  /** Where the logger writes while the bar is up; undefined: stderr as usual. */
  logSink?: LogSink;
  advance(): void;
  done(): void;
}

export function fileProgress(total: number, label: string): FileProgress {
  const toStdout = (line: string) => void process.stdout.write(line);
  if (!process.stderr.isTTY) return { print: toStdout, advance() {}, done() {} };
  const bars = new MultiBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} files  {percentage}%  eta {eta_formatted}`, hideCursor: true },
    Presets.shades_classic,
  );
  const bar = bars.create(total, 0);
  const above = (text: string) => bars.log(text.endsWith('\n') ? text : `${text}\n`);
  return {
    print: process.stdout.isTTY ? above : toStdout,
    logSink: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        above(chunk.toString('utf8'));
        callback();
      },
    }),
    advance: () => bar.increment(),
    done: () => {
      bars.update(); // prints what is still waiting above the bar
      bars.stop();
    },
  };
}
