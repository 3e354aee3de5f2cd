import { ImapFlow } from 'imapflow';
import { parseImapUrl } from '../src/intake/imap-session.ts';

/**
 * Run by the big-mail benchmark in a child process of its own: one imapflow FETCH of every
 * message's source in the mailbox of the IMAP URL given, as the intake fetches a batch, and
 * nothing else. Its peak RSS is what fetching costs before Redress does anything with the mail.
 */
const url = process.argv[2];
if (!url) throw new Error('usage: imap-fetch-child.ts IMAP_URL');
const { host, port, secure, user, pass, mailbox } = parseImapUrl(url);
const client = new ImapFlow({ host, port, secure, auth: { user, pass }, logger: false });
await client.connect();
await client.mailboxOpen(mailbox);
const messages = await client.fetchAll('1:*', { uid: true, internalDate: true, source: true, envelope: true }, { uid: true });
await client.logout();
process.stdout.write(`${messages.reduce((n, m) => n + (m.source?.length ?? 0), 0)}\n`);
