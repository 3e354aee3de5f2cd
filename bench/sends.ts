import type { Dovecot } from '../test/helpers/dovecot.ts';
import { heading, line, table } from './report.ts';
import { runBurst, type BurstFigures, type SendsContext } from './send-burst.ts';
import { runLatency, type LatencyFigures } from './send-latency.ts';

export interface SendsFigures {
  burst: BurstFigures;
  latency: LatencyFigures;
  verify: { ok: boolean; problems: string[] };
}

/** Part 3: acknowledgements per second from one running worker against run-due, and arrival-to-acknowledgement latency with IDLE. */
export async function runSendsBench(ctx: SendsContext, dovecot: Dovecot): Promise<SendsFigures> {
  heading(`3. Sends: a burst of ${ctx.cfg.BENCH_BURST} acknowledgements; ${ctx.cfg.BENCH_LATENCY_COMPLAINTS} complaints one at a time through IDLE`);
  const burst = await runBurst(ctx);
  const latency = await runLatency(ctx, dovecot);
  const figures = { burst, latency, verify: verifySends(burst) };
  printSends(figures);
  return figures;
}

function verifySends(b: BurstFigures): SendsFigures['verify'] {
  const problems: string[] = [];
  if (b.acknowledgements !== b.complaints) problems.push(`${b.acknowledgements} acknowledgements queued for ${b.complaints} complaints`);
  for (const [who, f] of [['worker', b.worker], ['run-due', b.runDue]] as const) {
    if (f.received !== b.acknowledgements) problems.push(`${who}: the relay got ${f.received} of ${b.acknowledgements}`);
    if (f.duplicates > 0) problems.push(`${who}: ${f.duplicates} duplicates`);
    if (f.recordedSent !== b.acknowledgements) problems.push(`${who}: ${f.recordedSent} of ${b.acknowledgements} recorded as sent`);
  }
  if (b.worker.exitCode !== 0) problems.push(`the worker exited ${b.worker.exitCode} on SIGTERM`);
  return { ok: problems.length === 0, problems };
}

function printSends(f: SendsFigures): void {
  heading('3. Send results');
  const { burst } = f;
  table(
    [
      { sender: 'redress start (one worker)', 'msg/s': burst.worker.perSecond, seconds: burst.worker.seconds, 'from start s': burst.worker.fromStartSeconds, note: `stopped on SIGTERM in ${burst.worker.stopSeconds} s, exit ${burst.worker.exitCode}` },
      { sender: 'redress run-due', 'msg/s': burst.runDue.perSecond, seconds: burst.runDue.seconds, 'from start s': burst.runDue.fromStartSeconds, note: 'the same queue, a copy of the database' },
    ],
    ['sender', 'msg/s', 'seconds', 'from start s', 'note'],
  );
  line('acknowledgements per burst', `${burst.acknowledgements} (stored in ${burst.ingestSeconds} s, not measured)`);
  line('ratio worker / run-due', `${burst.ratio} (target: worker >= 200 msg/s)`);
  line('arrival -> acknowledgement p50 / p95 / max', `${f.latency.p50Ms} / ${f.latency.p95Ms} / ${f.latency.maxMs} ms over ${f.latency.complaints} (target: p95 < 2000 ms)`);
  line('  mailbox -> intake starts p50 / p95', `${f.latency.split.toIntakeP50Ms} / ${f.latency.split.toIntakeP95Ms} ms (IDLE news, FETCH)`);
  line('  intake starts -> at the relay p50 / p95', `${f.latency.split.intakeToAckP50Ms} / ${f.latency.split.intakeToAckP95Ms} ms (store, commit, NOTIFY, send)`);
  line('verification', f.verify.ok ? 'OK' : `FAILED: ${f.verify.problems.join('; ')}`);
}
