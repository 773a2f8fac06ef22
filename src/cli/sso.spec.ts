import { parseConfig, setContext } from './config';
import { needsRefresh } from './sso';

const sso = {
  name: 'work',
  server: 'http://m:8070',
  token: 'a.b.c',
  refreshToken: 'r',
  tokenExpiresAt: '2030-01-01T00:00:00.000Z',
  ssoIssuer: 'https://idp.example',
  ssoClientId: 'cli',
};

describe('SSO contexts', () => {
  it('reads the SSO fields of a context and names a wrong one', () => {
    const text = `contexts:\n${Object.entries(sso)
      .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: "${v}"`)
      .join('\n')}\n`;
    expect(parseConfig(text, 'f').contexts).toEqual([sso]);
    expect(() => parseConfig('contexts:\n  - name: w\n    refreshToken: 3\n', 'f')).toThrow(
      'f: contexts[0].refreshToken: expected a string',
    );
  });

  it('keeps the SSO fields on a server change, drops them for a token given by hand', () => {
    const config = { contexts: [sso] };
    expect(setContext(config, { name: 'work', server: 'http://n:8070' }).contexts[0]).toEqual({
      ...sso,
      server: 'http://n:8070',
    });
    expect(setContext(config, { name: 'work', token: 'cp_x' }).contexts[0]).toEqual({
      name: 'work',
      server: 'http://m:8070',
      token: 'cp_x',
    });
  });

  it('refreshes a token that expires within 30 s, only with a refresh token', () => {
    const at = Date.parse(sso.tokenExpiresAt);
    expect(needsRefresh(sso, at - 60_000)).toBe(false);
    expect(needsRefresh(sso, at - 10_000)).toBe(true);
    expect(needsRefresh({ ...sso, refreshToken: undefined }, at + 1)).toBe(false);
    expect(needsRefresh(undefined, at)).toBe(false);
  });
});
