import { AppConfig, loadConfig } from '../config/app-config';
import { ConfigRunAsPolicies } from './config-run-as-policies';
import { NamespaceRunAsPolicy, runAsDecision, RunAsQuestion } from './run-as-policy';

const LISTED: NamespaceRunAsPolicy = { runAsUsers: ['backup', '1001'], allowRoot: false };
const ROOT_OK: NamespaceRunAsPolicy = { runAsUsers: ['backup'], allowRoot: true };

const asRoot = (runAs: string, policy = LISTED): RunAsQuestion => ({
  runAs,
  namespace: 'default',
  workerUid: 0,
  workerUser: 'root',
  policy,
});
const asUser = (runAs: string, policy = LISTED): RunAsQuestion => ({
  ...asRoot(runAs, policy),
  workerUid: 1000,
  workerUser: 'cron',
});

describe('runAsDecision on a root worker', () => {
  it('allows the users the namespace lists, with or without a group', () => {
    for (const runAs of ['backup', 'backup:disk', '1001', '1001:1001']) {
      expect(runAsDecision(asRoot(runAs))).toEqual({ allow: true, allowRoot: false });
    }
  });

  it('refuses a user the namespace does not list, naming the ones it does', () => {
    expect(runAsDecision(asRoot('alice'))).toEqual({
      allow: false,
      reason:
        'runAs alice refused: namespace default does not list user alice (it lists backup, 1001)',
    });
    expect(runAsDecision(asRoot('alice', { runAsUsers: [], allowRoot: false }))).toMatchObject({
      allow: false,
      reason: expect.stringMatching(/\(it lists none\)$/),
    });
  });

  it('compares names as written: a uid does not stand for the name it maps to', () => {
    expect(runAsDecision(asRoot('34'))).toMatchObject({ allow: false });
  });

  it('refuses root, by name or uid 0 or as the group, unless the namespace allows root', () => {
    for (const runAs of ['root', '0', 'root:root', 'backup:root', 'backup:0']) {
      expect(
        runAsDecision(asRoot(runAs, { runAsUsers: ['root', '0', 'backup'], allowRoot: false })),
      ).toEqual({
        allow: false,
        reason: `runAs ${runAs} refused: namespace default does not allow running as root`,
      });
    }
  });

  it('allows root when the namespace allows it explicitly, and tells the spawner so', () => {
    for (const runAs of ['root', '0', 'root:root', 'backup:root']) {
      expect(runAsDecision(asRoot(runAs, ROOT_OK))).toEqual({ allow: true, allowRoot: true });
    }
    // Allowing root does not list other users.
    expect(runAsDecision(asRoot('alice', ROOT_OK))).toMatchObject({ allow: false });
  });

  it('refuses a value that is not user or user:group', () => {
    expect(runAsDecision(asRoot('a:b:c'))).toEqual({
      allow: false,
      reason: 'runAs a:b:c refused: not of the form user or user:group',
    });
  });
});

describe('runAsDecision on a worker that is not root', () => {
  it('allows its own user, by name or uid, whatever the namespace lists', () => {
    const none = { runAsUsers: [], allowRoot: false };
    for (const runAs of ['cron', '1000', 'cron:cron']) {
      expect(runAsDecision(asUser(runAs, none))).toEqual({ allow: true, allowRoot: false });
    }
  });

  it('refuses any other user, listed or root, with the reason', () => {
    for (const runAs of ['backup', 'root', '0']) {
      expect(runAsDecision(asUser(runAs, ROOT_OK))).toEqual({
        allow: false,
        reason: `runAs ${runAs} refused: this worker runs as cron (uid 1000), not root, and can run commands only as itself`,
      });
    }
  });
});

describe('ConfigRunAsPolicies', () => {
  const policies = (users: string[]) =>
    new ConfigRunAsPolicies(
      Object.assign(new AppConfig(), { DEFAULT_NAMESPACE_RUN_AS_USERS: users }),
    );

  it('gives the default namespace the listed users; root among them allows root', () => {
    expect(policies(['backup', 'www-data']).policyFor('default')).toEqual({
      runAsUsers: ['backup', 'www-data'],
      allowRoot: false,
    });
    expect(policies(['backup', 'root']).policyFor('default').allowRoot).toBe(true);
    expect(policies([]).policyFor('default')).toEqual({ runAsUsers: [], allowRoot: false });
  });

  it('reads DEFAULT_NAMESPACE_RUN_AS_USERS as a comma list (empty: none), and refuses a bad name', () => {
    expect(loadConfig({}).DEFAULT_NAMESPACE_RUN_AS_USERS).toEqual([]);
    expect(
      loadConfig({ DEFAULT_NAMESPACE_RUN_AS_USERS: 'backup, www-data,1001' })
        .DEFAULT_NAMESPACE_RUN_AS_USERS,
    ).toEqual(['backup', 'www-data', '1001']);
    expect(() => loadConfig({ DEFAULT_NAMESPACE_RUN_AS_USERS: 'backup,al ice' })).toThrow(
      /^invalid DEFAULT_NAMESPACE_RUN_AS_USERS="backup,al ice": must be a comma-separated list/,
    );
  });

  it('allows nothing in other namespaces until they carry their own policy', () => {
    expect(policies(['backup', 'root']).policyFor('team-a')).toEqual({
      runAsUsers: [],
      allowRoot: false,
    });
  });
});
