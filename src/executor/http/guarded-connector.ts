import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { AddressPolicy } from './address-policy';

/** A connection the address policy refused; the run's error is its message. */
export class RefusedAddressError extends Error {
  readonly code = 'CRONPLANE_REFUSED_ADDRESS';
}

/**
 * undici's connector behind the address policy: the host name is resolved here, every address it
 * resolves to is checked (with the port), and the socket is opened to the address that was
 * checked, so a DNS answer that changes between check and connect (a rebind) cannot slip
 * through. TLS still verifies the certificate against the URL's host name (servername). Every
 * connection goes through it, redirects' too.
 */
export function guardedConnector(
  policy: AddressPolicy,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): buildConnector.connector {
  const connect = buildConnector({});
  return (options, callback) => {
    const host = unbracket(options.hostname);
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const addresses = isIP(host) !== 0 ? Promise.resolve([host]) : resolve(host);
    addresses.then(
      (resolved) => {
        if (resolved.length === 0) {
          callback(new Error(`${host} did not resolve to any address`), null);
          return;
        }
        for (const address of resolved) {
          const refusal = policy.refusal(address, port);
          if (refusal !== undefined) {
            const named = address === host ? refusal : `${host} resolves to ${refusal}`;
            callback(new RefusedAddressError(`refused to connect: ${named}`), null);
            return;
          }
        }
        connect(
          {
            ...options,
            hostname: resolved[0],
            servername: options.servername ?? (isIP(host) === 0 ? host : undefined),
          },
          callback,
        );
      },
      (error: Error) => callback(new Error(`could not resolve ${host}: ${error.message}`), null),
    );
  };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}
