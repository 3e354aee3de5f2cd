import { openApp, type App } from '../app.ts';
import type { Config } from '../config.ts';

/** Opens the app (database migrated), runs one command, always closes it. */
export async function withApp<T>(config: () => Config, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(config());
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
