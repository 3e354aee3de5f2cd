import { openApp, type App } from '../app.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** Opens the app (database migrated), runs one command, always closes it. */
export async function withApp<T>(config: () => Config, fn: (app: App) => Promise<T>, overrides: { log?: Logger } = {}): Promise<T> {
  const app = await openApp(config(), overrides);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
