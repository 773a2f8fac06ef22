import { readFileSync } from 'node:fs';
import type { IOptions } from 'etcd3';
import type { ConnectionOptions } from 'nats';
import { credsAuthenticator } from 'nats';
import { AppConfig } from './app-config';

/** A setting names a file that cannot be read: the process stops with this one line. */
export class SecurityFileError extends Error {}

function file(setting: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SecurityFileError(
      `${setting}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

function password(
  inline: string | undefined,
  setting: string,
  path: string | undefined,
): string | undefined {
  // A file's trailing newline (echo pw > file, or a Kubernetes Secret written by hand) is not part of it.
  return (
    file(setting, path)
      ?.toString('utf8')
      .replace(/\r?\n$/, '') ?? inline
  );
}

/** TLS (CA, client certificate) and user/password of the etcd client, from the settings. */
export function etcdSecurity(config: AppConfig): Pick<IOptions, 'credentials' | 'auth'> {
  const ca = file('ETCD_CA_FILE', config.ETCD_CA_FILE);
  const cert = file('ETCD_CERT_FILE', config.ETCD_CERT_FILE);
  const key = file('ETCD_KEY_FILE', config.ETCD_KEY_FILE);
  if ((cert === undefined) !== (key === undefined))
    throw new SecurityFileError(
      'ETCD_CERT_FILE and ETCD_KEY_FILE go together: set both or neither',
    );
  const pass = password(config.ETCD_PASSWORD, 'ETCD_PASSWORD_FILE', config.ETCD_PASSWORD_FILE);
  if ((config.ETCD_USERNAME === undefined) !== (pass === undefined))
    throw new SecurityFileError(
      'ETCD_USERNAME and ETCD_PASSWORD(_FILE) go together: set both or neither',
    );
  return {
    ...(ca || cert
      ? {
          credentials: { rootCertificate: ca ?? Buffer.alloc(0), certChain: cert, privateKey: key },
        }
      : {}),
    ...(config.ETCD_USERNAME && pass
      ? { auth: { username: config.ETCD_USERNAME, password: pass } }
      : {}),
  };
}

/** TLS, a creds file or user/password of the NATS connection, from the settings. */
export function natsSecurity(config: AppConfig): Partial<ConnectionOptions> {
  const ca = file('NATS_CA_FILE', config.NATS_CA_FILE);
  const cert = file('NATS_CERT_FILE', config.NATS_CERT_FILE);
  const key = file('NATS_KEY_FILE', config.NATS_KEY_FILE);
  if ((cert === undefined) !== (key === undefined))
    throw new SecurityFileError(
      'NATS_CERT_FILE and NATS_KEY_FILE go together: set both or neither',
    );
  const creds = file('NATS_CREDS_FILE', config.NATS_CREDS_FILE);
  const pass = password(config.NATS_PASSWORD, 'NATS_PASSWORD_FILE', config.NATS_PASSWORD_FILE);
  if ((config.NATS_USER === undefined) !== (pass === undefined))
    throw new SecurityFileError(
      'NATS_USER and NATS_PASSWORD(_FILE) go together: set both or neither',
    );
  return {
    ...(ca || cert
      ? {
          tls: {
            ...(ca ? { ca: ca.toString('utf8') } : {}),
            ...(cert && key ? { cert: cert.toString('utf8'), key: key.toString('utf8') } : {}),
          },
        }
      : {}),
    ...(creds ? { authenticator: credsAuthenticator(new Uint8Array(creds)) } : {}),
    ...(config.NATS_USER && pass ? { user: config.NATS_USER, pass } : {}),
  };
}
