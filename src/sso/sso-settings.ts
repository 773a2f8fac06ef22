import { readFileSync } from 'node:fs';
import { AppConfig } from '../config/app-config';
import { SecurityFileError } from '../config/connection-security';

/** The OpenID Connect settings, checked together; absent when SSO is off (no OIDC_ISSUER_URL). */
export interface SsoSettings {
  issuer: URL;
  /** OIDC_ISSUER_URL as written (what the CLI discovers from). */
  issuerUrl: string;
  clientId: string;
  /** The CLI's public client (device flow), announced by GET /api/v1/sso/config. */
  cliClientId?: string;
  /** Absent: a public client (PKCE only). Never logged. */
  clientSecret?: string;
  groupsClaim: string;
  audience: string;
  redirectUrl?: string;
  scopes: string;
  sessionTtlSeconds: number;
  trustForwardedProto: boolean;
}

/** http is allowed only for a provider on this machine (development and tests). */
export function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Reads the SSO settings (the secret file too); throws SecurityFileError with one line. */
export function ssoSettings(
  config: AppConfig,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SsoSettings | undefined {
  if (config.OIDC_ISSUER_URL === undefined) return undefined;
  const issuer = new URL(config.OIDC_ISSUER_URL);
  if (issuer.protocol !== 'https:' && !isLoopback(issuer))
    throw new SecurityFileError('OIDC_ISSUER_URL: must be https (http only on a loopback address)');
  if (config.OIDC_CLIENT_ID === undefined)
    throw new SecurityFileError('OIDC_CLIENT_ID: required when OIDC_ISSUER_URL is set');
  let clientSecret = config.OIDC_CLIENT_SECRET;
  if (config.OIDC_CLIENT_SECRET_FILE !== undefined) {
    try {
      clientSecret = read(config.OIDC_CLIENT_SECRET_FILE).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new SecurityFileError(
        `OIDC_CLIENT_SECRET_FILE: cannot read ${config.OIDC_CLIENT_SECRET_FILE}: ${code}`,
      );
    }
  }
  return {
    issuer,
    issuerUrl: config.OIDC_ISSUER_URL,
    clientId: config.OIDC_CLIENT_ID,
    ...(config.OIDC_CLI_CLIENT_ID !== undefined ? { cliClientId: config.OIDC_CLI_CLIENT_ID } : {}),
    ...(clientSecret !== undefined && clientSecret !== '' ? { clientSecret } : {}),
    groupsClaim: config.OIDC_GROUPS_CLAIM,
    audience: config.OIDC_AUDIENCE ?? config.OIDC_CLIENT_ID,
    ...(config.OIDC_REDIRECT_URL !== undefined ? { redirectUrl: config.OIDC_REDIRECT_URL } : {}),
    scopes: config.OIDC_SCOPES,
    sessionTtlSeconds: config.SSO_SESSION_TTL_SECONDS,
    trustForwardedProto: config.TRUST_FORWARDED_PROTO === '1',
  };
}
