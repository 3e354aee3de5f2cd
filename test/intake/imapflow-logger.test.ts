import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { imapflowLogger } from '../../src/intake/imap-session.ts';
import { createLogger } from '../../src/log.ts';

function captured(level: 'info' | 'trace') {
  const lines: Record<string, unknown>[] = [];
  const to = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: imapflowLogger(createLogger(level, 'json', to)), lines };
}

describe('imapflow logger', () => {
  it('tells imapflow its debug and info chatter is dropped at LOG_LEVEL=info, so it does not turn every response into log text', () => {
    const { log } = captured('info');
    expect(['trace', 'debug', 'info', 'warn', 'error'].map((l) => [l, log.isLevelEnabled(l)])).toEqual([
      ['trace', false],
      ['debug', false],
      ['info', false],
      ['warn', true],
      ['error', true],
    ]);
  });

  it('at LOG_LEVEL=trace takes imapflow debug as trace and info as debug, and never its per-response trace', () => {
    const { log, lines } = captured('trace');
    expect(['trace', 'debug', 'info'].map((l) => [l, log.isLevelEnabled(l)])).toEqual([
      ['trace', false],
      ['debug', true],
      ['info', true],
    ]);
    log.debug({ msg: 'C: a1 NOOP' });
    log.info({ msg: 'connected' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [10, 'C: a1 NOOP'],
      [20, 'connected'],
    ]);
  });
});
