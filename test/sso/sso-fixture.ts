/** What the SSO tests share: the provider's clients and users, and a master that trusts it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../tools/stack/ports';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { TestProvider, signJwt, startProvider } from './oidc-test-provider';

export const AUDIENCE = 'urn:cronplane:api';
export const CONSOLE_CLIENT = 'cronplane-console';
export const CLI_CLIENT = 'cronplane-cli';
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** alice reads `default`, bob administers `team-b`, carol's group has no mapping. */
export const USERS = { alice: ['viewers'], bob: ['team-b-admins'], carol: ['elsewhere'] };
export const MAPPING = {
  mappings: [
    { group: 'viewers', grants: [{ namespace: 'default', role: 'viewer' }] },
    { group: 'team-b-admins', grants: [{ namespace: 'team-b', role: 'admin' }] },
  ],
};

export interface SsoFixture {
  app: AppProcess;
  provider: TestProvider;
  admin: string;
  clientSecret: string;
  /** An access token as the provider signs it, with `claims` over the defaults. */
  accessToken(user: keyof typeof USERS, claims?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

export async function startSsoFixture(label: string): Promise<SsoFixture> {
  const admin = `tok-sso-admin-${randomBytes(12).toString('hex')}`;
  const clientSecret = `client-secret-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const provider = await startProvider({
    audience: AUDIENCE,
    users: USERS,
    clients: [
      {
        client_id: CONSOLE_CLIENT,
        client_secret: clientSecret,
        redirect_uris: [`http://127.0.0.1:${port}/api/v1/sso/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: CLI_CLIENT,
        grant_types: [DEVICE_GRANT, 'refresh_token'],
        response_types: [],
        token_endpoint_auth_method: 'none',
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-sso-'));
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, `${clientSecret}\n`, { mode: 0o600 });
  let app: AppProcess;
  try {
    app = await startApp(
      appEnv(isolationId(label), {
        ROLE: 'master',
        PORT: String(port),
        CRON_ADMIN_TOKEN: admin,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: CONSOLE_CLIENT,
        OIDC_CLIENT_SECRET_FILE: secretFile,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_CLI_CLIENT_ID: CLI_CLIENT,
        OIDC_SCOPES: 'openid profile groups',
      }),
    );
  } catch (error) {
    await provider.stop();
    throw error;
  }
  const call = async (method: string, path: string, body?: unknown): Promise<void> => {
    const response = await fetch(`${app.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
  await call('POST', '/namespaces', { name: 'team-b' });
  await call('PUT', '/sso/group-grants', MAPPING);
  return {
    app,
    provider,
    admin,
    clientSecret,
    accessToken(user, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: provider.issuer,
        aud: AUDIENCE,
        sub: user,
        groups: USERS[user],
        scope: 'api',
        client_id: CLI_CLIENT,
        jti: randomBytes(8).toString('hex'),
        iat: now,
        exp: now + 300,
        ...claims,
      };
      return signJwt(payload, provider.key, provider.kid);
    },
    async stop() {
      await app.stop();
      await provider.stop();
    },
  };
}
