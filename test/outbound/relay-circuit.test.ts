import { describe, expect, it } from 'vitest';
import { closedCircuit, FREE_RELAY_RETRIES, gate, PAUSE_MAX_MS, probeFailed, probeStarted, relayAnswered, relayFailed, retryRoute, type Circuit } from '../../src/outbound/relay-circuit.ts';

describe('the relay circuit (pure)', () => {
  it('a closed circuit sends', () => {
    expect(gate(closedCircuit(), 0)).toEqual({ action: 'send' });
  });

  it('a connection failure with no delivery since that send began pauses sending for 1 s, then allows one probe', () => {
    const open = relayFailed(closedCircuit(), 100, 500);
    expect(open).toEqual({ mode: 'open', sinceMs: 500, retryAtMs: 1500, backoffMs: 1000 });
    expect(gate(open, 900)).toEqual({ action: 'wait', ms: 600 });
    expect(gate(open, 1500)).toEqual({ action: 'probe' });
    const probing = probeStarted(open);
    expect(probing.mode).toBe('probing');
    expect(gate(probing, 1600).action).toBe('wait');
  });

  it('one stalled connection does not pause the relay when other sends got through after it began', () => {
    const delivering = relayAnswered(2_000);
    expect(relayFailed(delivering, 1_500, 4_000)).toBe(delivering);
    expect(relayFailed(delivering, 2_001, 4_000).mode).toBe('open');
  });

  it('failed probes back off 1 s, 2 s, 4 s ... and never more than 30 s', () => {
    let c: Circuit = relayFailed(closedCircuit(), 0, 0);
    const pauses: number[] = [];
    let now = 0;
    for (let i = 0; i < 8; i += 1) {
      now = (c as { retryAtMs: number }).retryAtMs;
      c = probeFailed(probeStarted(c), now);
      pauses.push((c as { backoffMs: number }).backoffMs);
    }
    expect(pauses).toEqual([2_000, 4_000, 8_000, 16_000, PAUSE_MAX_MS, PAUSE_MAX_MS, PAUSE_MAX_MS, PAUSE_MAX_MS]);
    expect(c).toMatchObject({ mode: 'open', sinceMs: 0, retryAtMs: now + PAUSE_MAX_MS });
  });

  it('a probe the relay answers closes the circuit: the backlog goes at full speed', () => {
    const c = relayAnswered(9_000);
    expect(c).toEqual({ mode: 'closed', lastSuccessMs: 9_000 });
    expect(gate(c, 9_001)).toEqual({ action: 'send' });
  });

  it('failures of sends already in flight while paused or probing change nothing', () => {
    const open = relayFailed(closedCircuit(), 0, 10);
    expect(relayFailed(open, 5, 20)).toBe(open);
    const probing = probeStarted(open);
    expect(relayFailed(probing, 5, 1_100)).toBe(probing);
  });
});

describe('where a failed send goes (pure)', () => {
  it('a relay failure hands the message back without spending a retry, up to the free limit', () => {
    expect(retryRoute('relay', 1)).toBe('release');
    expect(retryRoute('relay', FREE_RELAY_RETRIES - 1)).toBe('release');
    expect(retryRoute('relay', FREE_RELAY_RETRIES)).toBe('retry');
  });

  it('a 4xx about one message is retried by pg-boss, that message alone; a cancelled send goes back', () => {
    expect(retryRoute('message', 1)).toBe('retry');
    expect(retryRoute('aborted', 9)).toBe('release');
  });
});
