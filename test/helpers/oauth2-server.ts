import { randomBytes } from 'node:crypto';
import http from 'node:http';

/** One token the endpoint issued. Expiry is wall-clock time: the mail servers judge it by the real clock. */
export interface IssuedToken {
  value: string;
  grant: string;
  user: string;
  expiresAt: number;
}

export interface OAuth2Server {
  /** POST: refresh_token and client_credentials grants (client_secret_post). */
  tokenUrl: string;
  /** POST token=...: RFC 7662 introspection, as Dovecot's oauth2 passdb asks it. */
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  /** The refresh token the endpoint takes now (it changes when `rotate` is on). */
  refreshToken: string;
  /** The mailbox user tokens issued from now on sign in as. */
  user: string;
  /** Lifetime of the tokens issued from now on. */
  lifetimeSeconds: number;
  /** Hand out a new refresh token with each answer and stop taking the old one (Microsoft's rotation, strictly). */
  rotate: boolean;
  /** Every token issued, in order. */
  issued: IssuedToken[];
  /** Every token request's form, in order. */
  requests: Record<string, string>[];
  /** Tokens a sign-in presented that were refused (unknown, expired, revoked or another user's). */
  refused: string[];
  /** Whether `token` is good for `user` now; refusals are recorded. */
  check(token: string, user: string): boolean;
  revoke(token: string): void;
  /** Everything that must never appear in a log or a message: the client secret, every refresh token, every access token. */
  secrets(): string[];
  stop(): Promise<void>;
}

/** A local OAuth2 provider for the tests: the token endpoint and the introspection endpoint the mail servers ask. */
export async function startOAuth2Server(opts: { user?: string; lifetimeSeconds?: number } = {}): Promise<OAuth2Server> {
  const revoked = new Set<string>();
  const refreshTokens: string[] = [];
  const state: Omit<OAuth2Server, 'tokenUrl' | 'introspectionUrl' | 'stop'> = {
    clientId: 'redress-test-client',
    clientSecret: `client-secret-${randomBytes(12).toString('hex')}`,
    refreshToken: `refresh-${randomBytes(12).toString('hex')}`,
    user: opts.user ?? 'nobody',
    lifetimeSeconds: opts.lifetimeSeconds ?? 3600,
    rotate: false,
    issued: [],
    requests: [],
    refused: [],
    check(token, user) {
      const found = state.issued.find((t) => t.value === token);
      const good = found !== undefined && !revoked.has(token) && found.user === user && found.expiresAt > Date.now();
      if (!good) state.refused.push(token);
      return good;
    },
    revoke: (token) => revoked.add(token),
    secrets: () => [state.clientSecret, ...refreshTokens, state.refreshToken, ...state.issued.map((t) => t.value)],
  };

  const token = (form: Record<string, string>): [number, object] => {
    state.requests.push(form);
    if (form.client_id !== state.clientId || (form.client_secret !== undefined && form.client_secret !== state.clientSecret)) {
      return [401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' }];
    }
    if (form.grant_type === 'client_credentials' && form.client_secret === undefined) return [401, { error: 'invalid_client', error_description: 'client secret required' }];
    if (form.grant_type === 'refresh_token' && form.refresh_token !== state.refreshToken) {
      // echoes the secret, as careless servers do: our error messages must not repeat it
      return [400, { error: 'invalid_grant', error_description: `refresh token ${form.refresh_token} is not valid` }];
    }
    if (form.grant_type !== 'refresh_token' && form.grant_type !== 'client_credentials') return [400, { error: 'unsupported_grant_type' }];
    const issued = { value: `access-${randomBytes(16).toString('hex')}`, grant: form.grant_type, user: state.user, expiresAt: Date.now() + state.lifetimeSeconds * 1000 };
    state.issued.push(issued);
    const answer: Record<string, unknown> = { access_token: issued.value, token_type: 'Bearer', expires_in: state.lifetimeSeconds };
    if (form.grant_type === 'refresh_token' && state.rotate) {
      refreshTokens.push(state.refreshToken);
      state.refreshToken = `refresh-${randomBytes(12).toString('hex')}`;
      answer.refresh_token = state.refreshToken;
    }
    return [200, answer];
  };

  const introspect = (form: Record<string, string>): [number, object] => {
    const found = state.issued.find((t) => t.value === form.token);
    const active = found !== undefined && state.check(found.value, found.user);
    if (!found) state.refused.push(form.token ?? '');
    return [200, active ? { active: true, username: found.user } : { active: false }];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const route = req.method === 'POST' && req.url === '/token' ? token : req.method === 'POST' && req.url === '/introspect' ? introspect : undefined;
      const [status, body] = route ? route(form) : [404, { error: 'not_found' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('oauth2 server: no port');
  const base = `http://127.0.0.1:${address.port}`;
  return Object.assign(state, {
    tokenUrl: `${base}/token`,
    introspectionUrl: `${base}/introspect`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
