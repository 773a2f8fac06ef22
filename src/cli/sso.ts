/**
 * `cronplane login --sso`: the OAuth device authorization flow against the master's OpenID
 * provider (openid-client), and the refresh of an expired SSO token from the context's refresh
 * token. openid-client is an ES module, loaded only here, when SSO is used. Tokens go to the
 * contexts file (mode 0600), never to the terminal.
 */
import type * as OidcClient from 'openid-client';
import { CliError } from './cli-error';
import { ContextEntry } from './config';

/** Seconds before its expiry at which a token counts as expired (clock skew, request time). */
export const EXPIRY_MARGIN_SECONDS = 30;

export interface SsoTokens {
  token: string;
  refreshToken?: string;
  tokenExpiresAt?: string;
}

export interface SsoClientRef {
  issuer: string;
  clientId: string;
}

/** Whether the context's SSO token has expired and can be refreshed. */
export function needsRefresh(entry: ContextEntry | undefined, now: number): boolean {
  if (!entry?.refreshToken || !entry.tokenExpiresAt || !entry.ssoIssuer || !entry.ssoClientId)
    return false;
  return Date.parse(entry.tokenExpiresAt) - EXPIRY_MARGIN_SECONDS * 1000 <= now;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function configuration(
  ref: SsoClientRef,
): Promise<[typeof OidcClient, OidcClient.Configuration]> {
  const oidc = await import('openid-client');
  let issuer: URL;
  try {
    issuer = new URL(ref.issuer);
  } catch {
    throw new CliError(`--issuer: not a URL: "${ref.issuer}"`);
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer)))
    throw new CliError('the issuer must be https (http only on a loopback address)');
  try {
    const config = await oidc.discovery(issuer, ref.clientId, undefined, oidc.None(), {
      ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 15,
    });
    return [oidc, config];
  } catch (error) {
    throw new CliError(
      `cannot discover the provider at ${ref.issuer}: ${(error as Error).message}`,
    );
  }
}

function tokensOf(response: { access_token: string; refresh_token?: string; expires_in?: number }) {
  return {
    token: response.access_token,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.expires_in !== undefined
      ? { tokenExpiresAt: new Date(Date.now() + response.expires_in * 1000).toISOString() }
      : {}),
  };
}

/**
 * The device flow: asks the provider for a code, shows where to enter it (`show`), and waits
 * until the user has approved it (or it expires).
 */
export async function deviceLogin(
  ref: SsoClientRef,
  scope: string,
  show: (text: string) => void,
): Promise<SsoTokens> {
  const [oidc, config] = await configuration(ref);
  if (!config.serverMetadata().device_authorization_endpoint)
    throw new CliError('the provider does not offer the device authorization flow');
  let device;
  try {
    device = await oidc.initiateDeviceAuthorization(config, { scope });
  } catch (error) {
    throw new CliError(`the provider refused the device login: ${(error as Error).message}`);
  }
  show(`To log in, open ${device.verification_uri} and enter the code ${device.user_code}`);
  if (device.verification_uri_complete) show(`(or open ${device.verification_uri_complete})`);
  show('Waiting for approval…');
  try {
    return tokensOf(await oidc.pollDeviceAuthorizationGrant(config, device));
  } catch (error) {
    throw new CliError(`login not completed: ${(error as Error).message}`);
  }
}

/** A new access token for the context, from its refresh token. */
export async function refreshTokens(entry: ContextEntry): Promise<SsoTokens> {
  if (!entry.refreshToken || !entry.ssoIssuer || !entry.ssoClientId)
    throw new CliError(
      `context "${entry.name}" has no SSO refresh token; run cronplane login --sso`,
    );
  const [oidc, config] = await configuration({
    issuer: entry.ssoIssuer,
    clientId: entry.ssoClientId,
  });
  try {
    const refreshed = tokensOf(await oidc.refreshTokenGrant(config, entry.refreshToken));
    return { refreshToken: entry.refreshToken, ...refreshed };
  } catch (error) {
    throw new CliError(
      `the SSO token of context "${entry.name}" expired and could not be refreshed ` +
        `(${(error as Error).message}); run cronplane login --sso`,
    );
  }
}
