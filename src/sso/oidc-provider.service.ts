import { Injectable } from '@nestjs/common';
import type { JWTPayload, createRemoteJWKSet } from 'jose';
import type * as OidcClient from 'openid-client';
import { AppConfig } from '../config/app-config';
import { groupsOfClaim } from './group-grants';
import { SsoSettings, ssoSettings } from './sso-settings';

/** Who a verified provider token (access or ID token) names. */
export interface ProviderIdentity {
  subject: string;
  name: string;
  groups: string[];
}

export type TokenCheck =
  { outcome: 'ok'; identity: ProviderIdentity } | { outcome: 'expired' } | { outcome: 'invalid' };

/** What the login route sends the browser to, and what the callback must check. */
export interface LoginStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

const CLOCK_TOLERANCE_SECONDS = 30;

type Jose = typeof import('jose');

/**
 * openid-client and jose are ES modules, loaded on first use: a process (or test) that never
 * turns SSO on never loads them.
 */
function libraries(): Promise<[typeof OidcClient, Jose]> {
  return Promise.all([import('openid-client'), import('jose')]);
}

/**
 * The OpenID provider as this master sees it: discovery (once, then cached), the authorization
 * code flow with PKCE (openid-client), and the API's check of access tokens (jose: signature
 * against the provider's JWKS, issuer, audience, expiry). Nothing here logs a token or the
 * client secret.
 */
@Injectable()
export class OidcProviderService {
  readonly settings: SsoSettings | undefined;
  private discovered?: Promise<OidcClient.Configuration>;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(config: AppConfig) {
    this.settings = ssoSettings(config);
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  private required(): SsoSettings {
    if (!this.settings) throw new Error('SSO is not configured');
    return this.settings;
  }

  /** The provider's metadata; a failed discovery is retried on the next call. */
  configuration(): Promise<OidcClient.Configuration> {
    const settings = this.required();
    if (!this.discovered) {
      const insecure = settings.issuer.protocol === 'http:';
      this.discovered = libraries()
        .then(([oidc]) =>
          oidc.discovery(
            settings.issuer,
            settings.clientId,
            settings.clientSecret,
            settings.clientSecret === undefined ? oidc.None() : undefined,
            { ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}), timeout: 10 },
          ),
        )
        .catch((error: unknown) => {
          this.discovered = undefined;
          throw error;
        });
    }
    return this.discovered;
  }

  /** Checks a bearer token presented to the API as one of the provider's access tokens. */
  async verifyAccessToken(token: string): Promise<TokenCheck> {
    const settings = this.required();
    const configuration = await this.configuration();
    const [, { createRemoteJWKSet, errors, jwtVerify }] = await libraries();
    if (!this.jwks) {
      const uri = configuration.serverMetadata().jwks_uri;
      if (uri === undefined) return { outcome: 'invalid' };
      this.jwks = createRemoteJWKSet(new URL(uri));
    }
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: configuration.serverMetadata().issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      return { outcome: 'ok', identity: this.identityOf(payload) };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { outcome: 'expired' };
      if (error instanceof errors.JOSEError) return { outcome: 'invalid' };
      throw error;
    }
  }

  async startLogin(redirectUri: string): Promise<LoginStart> {
    const settings = this.required();
    const configuration = await this.configuration();
    const [oidc] = await libraries();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier };
  }

  /** Redeems the callback's code; the identity comes from the verified ID token. */
  async finishLogin(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string; redirectUri: string },
  ): Promise<ProviderIdentity> {
    const configuration = await this.configuration();
    const [oidc] = await libraries();
    const tokens = await oidc.authorizationCodeGrant(
      configuration,
      callbackUrl,
      {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      },
      { redirect_uri: checks.redirectUri },
    );
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    return this.identityOf(claims);
  }

  private identityOf(payload: JWTPayload): ProviderIdentity {
    const subject = String(payload.sub);
    const name = [payload.preferred_username, payload.email, payload.name].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    return {
      subject,
      name: name ?? subject,
      groups: groupsOfClaim(payload[this.required().groupsClaim]),
    };
  }
}
