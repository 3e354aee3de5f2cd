import type { Sql } from '../db/pool.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { SEND_WAKE_CHANNEL } from './boss.ts';

export interface SendWakeup {
  /** After a database outage: postgres.js re-listens once when the connection drops, and gives up silently if the server is still down. */
  resubscribe(): Promise<void>;
  close(): Promise<void>;
}

/** LISTEN for committed send jobs (enqueueSend notifies on commit); the send loop's poll covers any gap. */
export async function listenForSends(sql: Sql, wake: () => void, log: Logger): Promise<SendWakeup> {
  let subscription = await sql.listen(SEND_WAKE_CHANNEL, wake);
  const unlisten = () => subscription.unlisten().catch((err: unknown) => log.debug({ err: errorMessage(err) }, 'unlisten failed (the connection is gone with it)'));
  return {
    async resubscribe() {
      await unlisten();
      try {
        subscription = await sql.listen(SEND_WAKE_CHANNEL, wake);
        wake();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'could not LISTEN for new sends; polling until the next reconnect');
      }
    },
    close: async () => {
      await unlisten();
    },
  };
}
