import { loadConfig } from '../config/app-config';
import { ssoSettings } from './sso-settings';

describe('ssoSettings', () => {
  const base = { OIDC_ISSUER_URL: 'https://idp.example/realms/x', OIDC_CLIENT_ID: 'cronplane' };

  it('is off without OIDC_ISSUER_URL', () => {
    expect(ssoSettings(loadConfig({}))).toBeUndefined();
  });

  it('reads the client secret from its file (without the trailing newline), over the inline one', () => {
    const config = loadConfig({
      ...base,
      OIDC_CLIENT_SECRET: 'inline',
      OIDC_CLIENT_SECRET_FILE: '/run/secret',
    });
    const settings = ssoSettings(config, (path) => (path === '/run/secret' ? 's3cret\n' : ''));
    expect(settings).toMatchObject({
      clientSecret: 's3cret',
      audience: 'cronplane',
      groupsClaim: 'groups',
      sessionTtlSeconds: 28800,
      trustForwardedProto: false,
    });
  });

  it('says in one line what is wrong, never showing the secret', () => {
    const unreadable = () =>
      ssoSettings(loadConfig({ ...base, OIDC_CLIENT_SECRET_FILE: '/nope' }), () => {
        throw Object.assign(new Error('x'), { code: 'ENOENT' });
      });
    expect(unreadable).toThrow('OIDC_CLIENT_SECRET_FILE: cannot read /nope: ENOENT');
    expect(() => ssoSettings(loadConfig({ OIDC_ISSUER_URL: 'https://idp.example' }))).toThrow(
      'OIDC_CLIENT_ID: required when OIDC_ISSUER_URL is set',
    );
    expect(() =>
      ssoSettings(loadConfig({ ...base, OIDC_ISSUER_URL: 'http://idp.example' })),
    ).toThrow('OIDC_ISSUER_URL: must be https');
    expect(
      ssoSettings(loadConfig({ ...base, OIDC_ISSUER_URL: 'http://127.0.0.1:9000' })),
    ).toBeDefined();
    expect(() =>
      loadConfig({ ...base, OIDC_CLIENT_SECRET: 'x', SSO_SESSION_TTL_SECONDS: '5' }),
    ).toThrow(
      'invalid SSO_SESSION_TTL_SECONDS="5": must be a whole number of seconds from 60 to 2592000',
    );
  });
});
