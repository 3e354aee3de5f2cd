import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { freePort } from './ports.ts';
import { testConfig } from './test-config.ts';
import { waitUntil } from './wait.ts';

const run = promisify(execFile);
const DOVECOT = testConfig.dovecotBin;
const DOVEADM = testConfig.doveadmBin;
export const DOVECOT_PASSWORD = 'secret';

export interface Dovecot {
  host: '127.0.0.1';
  port: number;
  /** The temp dir holding config, logs (dovecot.log) and mail. */
  dir: string;
  /** imap://user:secret@127.0.0.1:port/MAILBOX (default INBOX). */
  url(user: string, mailbox?: string, port?: number): string;
  /** imap://user@127.0.0.1:port/MAILBOX: no password, for OAuth2 sign-in. */
  tokenUrl(user: string, mailbox?: string): string;
  /** APPENDs a message; returns its UID. A past internalDate sticks (a future one is clamped to now). */
  append(user: string, raw: Buffer | string, opts?: { internalDate?: Date; flags?: string[]; mailbox?: string }): Promise<number>;
  /** Messages in a mailbox, in UID order; [] when the mailbox does not exist. */
  list(user: string, mailbox: string): Promise<{ uid: number; flags: string[] }[]>;
  /** Drops every IMAP connection of that user (doveadm kick). */
  kick(user: string): Promise<void>;
  /** Gives the mailbox a new UIDVALIDITY (doveadm mailbox update); open sessions on it are dropped by the server. */
  setUidValidity(user: string, mailbox: string, uidValidity: number): Promise<void>;
  uidValidity(user: string, mailbox: string): Promise<number>;
  stop(): Promise<void>;
}

export interface DovecotOptions {
  /**
   * Also sign in with OAuth2 (XOAUTH2, OAUTHBEARER): Dovecot's oauth2 passdb asks this RFC 7662
   * introspection endpoint about each token. PLAIN and LOGIN keep the static password.
   */
  oauth2IntrospectionUrl?: string;
}

/** A throwaway Dovecot: any user logs in with password `secret`, maildir under a temp dir. */
export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-dovecot-'));
  await fs.chmod(dir, 0o755); // Dovecot's unprivileged processes must reach the sockets and mail below it
  await fs.mkdir(path.join(dir, 'mail'), { mode: 0o777 });
  await fs.chmod(path.join(dir, 'mail'), 0o777);
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  await fs.writeFile(conf, config(dir, port, opts.oauth2IntrospectionUrl !== undefined));
  if (opts.oauth2IntrospectionUrl !== undefined) await fs.writeFile(path.join(dir, 'oauth2.conf.ext'), oauth2Config(opts.oauth2IntrospectionUrl));
  try {
    await new Promise<void>((resolve, reject) => {
      // Dovecot daemonises: stdio must not be piped or the pipe stays open after it forks.
      const child = spawn(DOVECOT, ['-c', conf], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}; see ${dir}/dovecot.log`))));
    });
    // The master binds its listeners before it daemonises and writes master.pid: wait for both.
    await waitUntil(`dovecot to listen on ${port} (see ${dir}/dovecot.log)`, 5_000, async () => {
      const pid = await fs.readFile(path.join(dir, 'run', 'master.pid'), 'utf8').catch(() => '');
      return pid.trim() !== '' && (await accepts(port));
    });
  } catch (err) {
    await stopMaster(dir).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    throw err;
  }

  // One helper connection per user, shared by concurrent calls, replaced once kicked or dropped.
  const clients = new Map<string, Promise<ImapFlow>>();
  const clientFor = async (user: string): Promise<ImapFlow> => {
    const cached = clients.get(user);
    if (cached) {
      const client = await cached.catch(() => undefined);
      if (client?.usable) return client;
      if (clients.get(user) !== cached) return clientFor(user);
    }
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: DOVECOT_PASSWORD },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => {});
    const connecting = client.connect().then(() => client);
    clients.set(user, connecting);
    return connecting;
  };
  const forget = async (user: string): Promise<void> => {
    const cached = clients.get(user);
    clients.delete(user);
    const client = await cached?.catch(() => undefined);
    client?.close();
  };
  const doveadm = (...args: string[]) => run(DOVEADM, ['-c', conf, ...args]);

  return {
    host: '127.0.0.1',
    port,
    dir,
    url: (user, mailbox = 'INBOX', viaPort = port) =>
      `imap://${encodeURIComponent(user)}:${DOVECOT_PASSWORD}@127.0.0.1:${viaPort}/${encodeURIComponent(mailbox)}`,
    tokenUrl: (user, mailbox = 'INBOX') => `imap://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(mailbox)}`,
    append: async (user, raw, opts = {}) => {
      const client = await clientFor(user);
      const mailbox = opts.mailbox ?? 'INBOX';
      if (mailbox !== 'INBOX') await client.mailboxCreate(mailbox);
      const res = await client.append(mailbox, raw, opts.flags ?? [], opts.internalDate);
      if (!res || res.uid === undefined) throw new Error(`APPEND to ${mailbox} for ${user} failed`);
      return res.uid;
    },
    list: async (user, mailbox) => {
      const client = await clientFor(user);
      const exists = (await client.list()).some((m) => m.path === mailbox);
      if (!exists) return [];
      // A fresh EXAMINE each time: Dovecot syncs a selected view only at the end of a command.
      const box = await client.mailboxOpen(mailbox, { readOnly: true });
      try {
        if (box.exists === 0) return [];
        const messages = await client.fetchAll('1:*', { uid: true, flags: true });
        return messages.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])].sort() })).sort((a, b) => a.uid - b.uid);
      } finally {
        await client.mailboxClose();
      }
    },
    kick: async (user) => {
      // The kick drops this helper's own connection too, and its socket may not have seen the
      // close yet when the next append() comes: drop it first rather than race the server.
      await forget(user);
      try {
        await doveadm('kick', user);
      } catch (err) {
        if ((err as { code?: number }).code !== 68) throw err; // 68: nobody was connected
      }
    },
    setUidValidity: async (user, mailbox, uidValidity) => {
      await forget(user);
      await doveadm('mailbox', 'update', '-u', user, '--uid-validity', String(uidValidity), mailbox);
    },
    uidValidity: async (user, mailbox) => {
      const { stdout } = await doveadm('-f', 'flow', 'mailbox', 'status', '-u', user, 'uidvalidity', mailbox);
      const match = /uidvalidity=(\d+)/.exec(stdout);
      if (!match?.[1]) throw new Error(`no uidvalidity in ${stdout}`);
      return Number(match[1]);
    },
    stop: async () => {
      const open = await Promise.all([...clients.values()].map((c) => c.catch(() => undefined)));
      await Promise.all(open.map((c) => c?.logout().catch(() => c.close())));
      await stopMaster(dir);
      await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

function config(dir: string, port: number, oauth2: boolean): string {
  // As root, Dovecot refuses to run mail as root: use its own users. As anyone else, run everything as that user.
  const asRoot = process.getuid?.() === 0;
  const me = os.userInfo().username;
  const internal = asRoot ? 'dovecot' : me;
  const login = asRoot ? 'dovenull' : me;
  return `# throwaway test instance
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = redress-test-${path.basename(dir)}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 ? ' xoauth2 oauthbearer' : ''}
auth_failure_delay = 0
default_internal_user = ${internal}
default_internal_group = ${internal}
default_login_user = ${login}
mail_uid = ${internal}
mail_gid = ${internal}
first_valid_uid = 1
mail_location = maildir:${dir}/mail/%u
mail_max_userip_connections = 1000
mail_fsync = never
${passdbs(dir, oauth2)}
userdb {
  driver = static
  args = uid=${internal} gid=${internal} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
  # no auth penalty: a test that fails a login must not slow the next one down by seconds
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

/** With OAuth2, tokens go to the oauth2 passdb and passwords to the static one. */
function passdbs(dir: string, oauth2: boolean): string {
  const password = `passdb {
  driver = static
  args = password=${DOVECOT_PASSWORD}
${oauth2 ? '  mechanisms = plain login\n' : ''}}`;
  if (!oauth2) return password;
  return `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}
${password}`;
}

/** Tokens are checked on every sign-in (no auth cache), so a revoked or expired one is refused at once. */
function oauth2Config(introspectionUrl: string): string {
  return `introspection_mode = post
introspection_url = ${introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Kills the whole instance at once. Dovecot daemonises as a session leader with every process
 * (imap, auth, log, ...) in its process group; a graceful SIGTERM takes over 2 s to wind down,
 * which a throwaway instance whose directory is deleted next does not need.
 */
async function stopMaster(dir: string): Promise<void> {
  const pidText = await fs.readFile(path.join(dir, 'run', 'master.pid'), 'utf8').catch(() => '');
  const pid = Number(pidText.trim());
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  await waitUntil(`dovecot process group ${pid} to exit`, 5_000, async () => !(await groupAlive(pid)));
}

/** Whether any process of the group still runs. Zombies don't count: reaping them is init's business, and slow here. */
async function groupAlive(pgid: number): Promise<boolean> {
  const entries = await fs.readdir('/proc').catch(() => null);
  if (!entries) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}
