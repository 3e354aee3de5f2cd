/**
 * Per-address connection rate for the SMTP listener: at most `limit` connections from one
 * address in any `windowMs`. Pure apart from the state it is handed; the clock is the caller's.
 */
export interface ConnectionRate {
  /** Records a connection attempt at `now`; false when the address is over its limit (the attempt is not counted). */
  admit(address: string, now: number): boolean;
}

export function connectionRate(limit: number, windowMs = 60_000): ConnectionRate {
  const seen = new Map<string, number[]>();
  let lastSweep = 0;
  return {
    admit(address, now) {
      if (now - lastSweep > windowMs) {
        // Forget addresses that have gone quiet, so the map stays as small as the recent traffic.
        for (const [a, times] of seen) if ((times.at(-1) ?? 0) <= now - windowMs) seen.delete(a);
        lastSweep = now;
      }
      const recent = (seen.get(address) ?? []).filter((t) => t > now - windowMs);
      if (recent.length >= limit) {
        seen.set(address, recent);
        return false;
      }
      recent.push(now);
      seen.set(address, recent);
      return true;
    },
  };
}
