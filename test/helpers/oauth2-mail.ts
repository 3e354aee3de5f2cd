import { createTestDb, type TestDb } from './db.ts';
import { startDovecot, type Dovecot } from './dovecot.ts';
import { startOAuth2Server, type OAuth2Server } from './oauth2-server.ts';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './smtp-sink.ts';

/** A mail provider that takes OAuth2: the token and introspection endpoints, Dovecot asking them, an SMTP sink requiring XOAUTH2. */
export interface OAuth2Mail {
  oauth: OAuth2Server;
  dovecot: Dovecot;
  sink: SmtpSink;
  /** The sink's sign-in rules; a test may set `refuseOutright`. */
  sinkAuth: NonNullable<SmtpSinkOptions['auth']>;
  db: TestDb;
  stop(): Promise<void>;
}

/** `smtpPassword`: the sink also takes PLAIN with this password. */
export async function startOAuth2Mail(opts: { user?: string; lifetimeSeconds?: number; smtpPassword?: string } = {}): Promise<OAuth2Mail> {
  const oauth = await startOAuth2Server({ user: opts.user, lifetimeSeconds: opts.lifetimeSeconds });
  const sinkAuth: OAuth2Mail['sinkAuth'] = {
    methods: opts.smtpPassword === undefined ? ['XOAUTH2'] : ['XOAUTH2', 'PLAIN'],
    check: (login) => (login.method === 'XOAUTH2' ? oauth.check(login.accessToken ?? '', login.username) : login.password === opts.smtpPassword),
  };
  const [dovecot, sink, db] = await Promise.all([startDovecot({ oauth2IntrospectionUrl: oauth.introspectionUrl }), startSmtpSink({ auth: sinkAuth }), createTestDb()]);
  return {
    oauth,
    dovecot,
    sink,
    sinkAuth,
    db,
    stop: async () => {
      await Promise.all([dovecot.stop(), sink.stop()]);
      await oauth.stop();
      await db.drop();
    },
  };
}
