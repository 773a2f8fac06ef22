/**
 * Starts the test OpenID provider (oidc-provider-server.mjs) as a child process on a free
 * loopback port, with a signing key made here so a test can also sign tokens of its own with
 * the provider's key (an expired one) or with another key (a tampered or foreign one).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { KeyObject, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { freePort } from '../../tools/stack/ports';

export const SERVER = resolve(__dirname, 'oidc-provider-server.mjs');

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris?: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
}

export interface TestProvider {
  issuer: string;
  audience: string;
  key: KeyObject;
  kid: string;
  output(): string;
  stop(): Promise<void>;
}

export function newSigningKey(): { privateKey: KeyObject; kid: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, kid: randomBytes(8).toString('hex') };
}

/** A compact JWS (RS256) of `payload`, as a provider would issue it. */
export function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const encode = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'RS256', typ: 'at+jwt', kid })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(head).sign(key).toString('base64url');
  return `${head}.${signature}`;
}

export async function startProvider(options: {
  clients: TestClient[];
  users: Record<string, string[]>;
  audience: string;
}): Promise<TestProvider> {
  const port = await freePort();
  const { privateKey, kid } = newSigningKey();
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const child: ChildProcess = spawn(process.execPath, ['--no-warnings', SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      OIDC_TEST_CONFIG: JSON.stringify({ ...options, port, jwk }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const issuer = `http://127.0.0.1:${port}`;
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`provider did not start:\n${out}`)), 30000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes(`listening ${issuer}`)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`provider exited ${code}:\n${out}`));
    });
  });
  return {
    issuer,
    audience: options.audience,
    key: privateKey,
    kid,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
