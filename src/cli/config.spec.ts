import { CliError } from './cli-error';
import {
  configPath,
  DEFAULT_SERVER,
  deleteContext,
  maskToken,
  parseConfig,
  resolveConnection,
  serializeConfig,
  setContext,
  useContext,
} from './config';

const config = parseConfig(
  [
    'currentContext: prod',
    'contexts:',
    '  - name: prod',
    '    server: https://prod.example:8070',
    '    token: prod-token',
    '  - name: dev',
    '    server: http://dev:8070',
  ].join('\n'),
  'c.yaml',
);

describe('config', () => {
  it('finds the file: $CRONPLANE_CONFIG, else $XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ CRONPLANE_CONFIG: '/x/c.yaml', HOME: '/h' })).toBe('/x/c.yaml');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg', HOME: '/h' })).toBe('/xdg/cronplane/config.yaml');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/cronplane/config.yaml');
  });

  it('parses contexts and round-trips through serialize', () => {
    expect(config).toEqual({
      currentContext: 'prod',
      contexts: [
        { name: 'prod', server: 'https://prod.example:8070', token: 'prod-token' },
        { name: 'dev', server: 'http://dev:8070' },
      ],
    });
    expect(parseConfig(serializeConfig(config), 'c.yaml')).toEqual(config);
    expect(parseConfig('', 'c.yaml')).toEqual({ contexts: [] });
  });

  it('names the file and the field of a bad config', () => {
    expect(() => parseConfig('contexts: [', 'c.yaml')).toThrow(/^c\.yaml: not valid YAML/);
    expect(() => parseConfig('contexts: 3', 'c.yaml')).toThrow('c.yaml: contexts: expected a list');
    expect(() => parseConfig('contexts: [{server: x}]', 'c.yaml')).toThrow(
      'c.yaml: contexts[0].name: expected a non-empty string',
    );
    expect(() => parseConfig('contexts: [{name: a, token: 3}]', 'c.yaml')).toThrow(
      'c.yaml: contexts[0].token: expected a string',
    );
  });

  it('set-context adds or merges; use-context and delete-context need a known name', () => {
    const merged = setContext(config, { name: 'dev', token: 'dev-token' });
    expect(merged.contexts[1]).toEqual({
      name: 'dev',
      server: 'http://dev:8070',
      token: 'dev-token',
    });
    expect(setContext(config, { name: 'new', server: 'http://n' }).contexts).toHaveLength(3);
    expect(useContext(config, 'dev', 'c.yaml').currentContext).toBe('dev');
    expect(() => useContext(config, 'nope', 'c.yaml')).toThrow('no context named "nope" in c.yaml');
    expect(deleteContext(config, 'prod', 'c.yaml')).toEqual({
      contexts: [{ name: 'dev', server: 'http://dev:8070' }],
    });
  });

  it('resolves flags over environment over the context', () => {
    const resolve = (flags: object, env: Record<string, string> = {}) =>
      resolveConnection({ flags, env, config }, 'c.yaml');
    expect(resolve({})).toEqual({
      url: 'https://prod.example:8070',
      token: 'prod-token',
      context: 'prod',
    });
    expect(resolve({ context: 'dev' })).toEqual({ url: 'http://dev:8070', context: 'dev' });
    expect(
      resolve({}, { CRONPLANE_URL: 'http://env', CRONPLANE_TOKEN: 'env-token' }),
    ).toMatchObject({
      url: 'http://env',
      token: 'env-token',
    });
    expect(
      resolve({ server: 'http://flag', token: 'flag-token' }, { CRONPLANE_URL: 'http://env' }),
    ).toMatchObject({
      url: 'http://flag',
      token: 'flag-token',
    });
    expect(resolveConnection({ flags: {}, env: {}, config: { contexts: [] } })).toEqual({
      url: DEFAULT_SERVER,
    });
    expect(() => resolve({ context: 'nope' })).toThrow('no context named "nope" in c.yaml');
    expect(() => resolve({ server: 'ftp://x' })).toThrow(CliError);
  });

  it("inside a master's container, falls back to that master and its admin token", () => {
    const none = { contexts: [] };
    const pod = { ROLE: 'master', PORT: '9000', CRON_ADMIN_TOKEN: 'admin-secret' };
    expect(resolveConnection({ flags: {}, env: pod, config: none })).toEqual({
      url: 'http://127.0.0.1:9000',
      token: 'admin-secret',
    });
    expect(
      resolveConnection({ flags: {}, env: { ...pod, CRONPLANE_TOKEN: 't' }, config: none }).token,
    ).toBe('t');
    expect(resolveConnection({ flags: {}, env: pod, config })).toMatchObject({
      url: 'https://prod.example:8070',
    });
    // Not a master's environment: a worker's, or a user's shell with PORT set.
    expect(resolveConnection({ flags: {}, env: { ...pod, ROLE: 'worker' }, config: none })).toEqual(
      {
        url: DEFAULT_SERVER,
      },
    );
    expect(resolveConnection({ flags: {}, env: { PORT: '9000' }, config: none })).toEqual({
      url: DEFAULT_SERVER,
    });
  });

  it('masks tokens entirely', () => {
    expect(maskToken('prod-token')).toBe('********');
    expect(maskToken(undefined)).toBe('');
  });
});
