// A real SMTP server in the test process (smtp-server, on loopback, port 0), whose messages are
// parsed with mailparser: what `confirm send` hands to an SMTP server is read back as a mail
// client would read it.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface Inbox {
  readonly host: string;
  readonly port: number;
  /** Messages accepted (250 after DATA), parsed, in order. */
  readonly messages: ParsedMail[];
  /** Every DATA the server began to receive (accepted or not), by envelope recipient. */
  readonly attempts: string[];
  /** Resolves when the n-th DATA (1-based) has been received whole. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface InboxOptions {
  readonly host?: string;
  /** Required login; none means anonymous. */
  readonly login?: { readonly user: string; readonly pass: string };
  /** The message of a failed login (the server sends it to the client after 535). */
  readonly loginError?: (password: string) => string;
  /** Never answers the n-th DATA (1-based): the client waits, as if the server hung after the message arrived. */
  readonly hang?: number;
  /** Cuts every connection once the n-th DATA (1-based) has arrived, without answering it. */
  readonly drop?: number;
  /** Refuses these recipients with 550 at RCPT TO. */
  readonly refuse?: readonly string[];
  /** Offers STARTTLS (with smtp-server's own self-signed certificate); off by default. */
  readonly startTls?: boolean;
}

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
  const messages: ParsedMail[] = [];
  const attempts: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const config: SMTPServerOptions = {
    secure: false,
    disabledCommands: options.startTls ? [] : ['STARTTLS'],
    authOptional: options.login === undefined,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.user && auth.password === options.login.pass) return callback(null, { user: auth.username });
      const error = new Error(options.loginError ? options.loginError(auth.password ?? '') : 'Invalid username or password') as Error & { responseCode?: number };
      error.responseCode = 535;
      return callback(error);
    },
    onRcptTo(address, _session, callback) {
      if (options.refuse?.includes(address.address)) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode?: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        attempts.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        const n = attempts.length;
        for (const w of waiters.filter((w) => w.n <= n)) w.resolve();
        if (options.hang === n) return; // never answers
        if (options.drop === n) {
          // The network goes: the socket under each connection is destroyed (smtp-server keeps them in `connections`).
          for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) connection._socket.destroy();
          return;
        }
        void simpleParser(Buffer.concat(chunks)).then((parsed) => {
          messages.push(parsed);
          callback();
        }, callback);
      });
    },
  };
  const server = new SMTPServer(config);
  server.on('error', () => {});
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    host,
    port: address.port,
    messages,
    attempts,
    received: (n) => (attempts.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The links of a message's plain text. */
export function linksOf(mail: ParsedMail): URL[] {
  return [...(mail.text ?? '').matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
}
