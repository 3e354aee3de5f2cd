import { mailboxTokens } from '../app.ts';
import { ConfigError, type Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { checkDatabase, checkImap, checkOAuth2, checkOutbox, checkSmtp, fail, ok, skip, type Check } from './checks.ts';

export type { Check };

/**
 * `redress doctor`: config, database, OAuth2 token, IMAP and SMTP sign-in, outbox folder,
 * one after another, each answered in one line. Nothing is sent and nothing migrated.
 */
export async function diagnose(loadConfig: () => Config, createLog: (config: Config) => Logger): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [errorMessage(err)];
    const rest = (['database', 'oauth2', 'imap', 'smtp', 'outbox'] as const).map((c) => skip(c, 'not checked: the config is invalid'));
    return [...problems.map((p) => fail('config', p)), ...rest];
  }
  const log = createLog(config);
  const tokens = mailboxTokens(config, log);
  const checks: Check[] = [ok('config', `valid (IMAP_AUTH=${config.IMAP_AUTH}, SMTP_AUTH=${config.SMTP_AUTH})`), await checkDatabase(config, log)];
  const shared = tokens.imap ?? tokens.smtp;
  const token = shared ? await checkOAuth2(config, shared) : skip('oauth2', 'not used: IMAP_AUTH and SMTP_AUTH are password');
  checks.push(token);
  // Without a token the sign-ins cannot be tried; one line says why rather than the same error three times.
  const noToken = (check: 'imap' | 'smtp') => fail(check, 'not tried: no OAuth2 access token (see the oauth2 line)');
  checks.push(token.status === 'fail' && tokens.imap ? noToken('imap') : await checkImap(config, tokens.imap, log));
  checks.push(token.status === 'fail' && tokens.smtp ? noToken('smtp') : await checkSmtp(config, tokens.smtp));
  checks.push(await checkOutbox(config));
  return checks;
}
