import { connect } from 'node:tls';

/**
 * Whether a TLS session with `url`'s host and port, with the given CA and client certificate,
 * is refused; the reason, or undefined when it holds (or the host does not answer at all, which is
 * not the certificates' fault). gRPC reports a refused handshake only as "No connection
 * established", so a start-up check asks directly. A server that rejects the client's
 * certificate may say so only after the handshake (TLS 1.3): the session is given a moment.
 */
export function tlsRefusal(
  url: string,
  options: { ca?: Buffer; cert?: Buffer; key?: Buffer },
  timeoutMs = 3000,
): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reason: string | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reason);
    };
    const socket = connect({
      host: hostname,
      port: Number(port),
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    socket.on('secureConnect', () => setTimeout(() => done(undefined), 300));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      done(
        error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' ? undefined : error.message,
      ),
    );
    socket.on('timeout', () => done(undefined));
  });
}
