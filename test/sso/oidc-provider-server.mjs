/* global process, console */
/**
 * A real OpenID provider for the SSO tests: the certified `oidc-provider` package, run as a child
 * process (it is ESM-only) on a loopback port. Its settings come as one JSON object in
 * OIDC_TEST_CONFIG: { port, clients, users: { login: groups[] }, jwk (private signing key),
 * audience }. Any password logs a user in (the package's development login form). Access tokens
 * are JWTs for `audience` carrying the user's `groups`. Prints "listening <issuer>" when ready.
 */
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const groupsOf = (id) => config.users[id] ?? [];

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [config.jwk] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: id, groups: groupsOf(id) }),
  }),
  claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'offline_access', 'profile', 'groups'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  ttl: {
    AccessToken: 600,
    IdToken: 600,
    DeviceCode: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 3600,
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Consent is given once and for all: the test users approve every scope of the test clients.
  loadExistingGrant: async (ctx) => {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid offline_access profile groups');
    grant.addOIDCClaims(['groups', 'name']);
    grant.addResourceScope(config.audience, 'api');
    await grant.save();
    return grant;
  },
  extraTokenClaims: async (_ctx, token) =>
    token.kind === 'AccessToken' ? { groups: groupsOf(token.accountId) } : undefined,
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: config.audience,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.on('server_error', (_ctx, error) => console.error('server_error', error));
provider.listen(config.port, '127.0.0.1', () => console.log(`listening ${issuer}`));
