import {
  Access,
  decideAccess,
  mayGrant,
  mayManage,
  normalizeGrants,
  visibleNamespaces,
} from './access';
import { UsageThrottle } from './token-usage';
import { accessOf, isExpired, legacyRole } from './token.model';

const admin: Access = { clusterAdmin: true, grants: [] };
const defaultOperator: Access = {
  clusterAdmin: false,
  grants: [{ namespace: 'default', role: 'operator' }],
};
const teamBAdmin: Access = {
  clusterAdmin: false,
  grants: [{ namespace: 'team-b', role: 'admin' }],
};

describe('decideAccess', () => {
  it('lets cluster-admin do everything, namespaced or not', () => {
    expect(decideAccess(admin, 'team-b', 'admin')).toEqual({ allow: true, role: 'admin' });
    expect(decideAccess(admin, undefined, 'admin')).toEqual({ allow: true, role: 'admin' });
  });

  it('answers 404 without a grant in the namespace, with the text of a missing namespace', () => {
    expect(decideAccess(defaultOperator, 'team-b', 'viewer')).toEqual({
      allow: false,
      status: 404,
      message: 'namespace "team-b" not found',
    });
  });

  it('answers 403 naming the role held and the role needed', () => {
    const decision = decideAccess(defaultOperator, 'default', 'admin');
    expect(decision).toMatchObject({ allow: false, status: 403 });
    expect(decision.allow === false && decision.message).toBe(
      'role operator in namespace "default" may not do this; it needs admin',
    );
    expect(decideAccess(defaultOperator, 'default', 'operator')).toEqual({
      allow: true,
      role: 'operator',
    });
  });

  it('on cluster-scoped routes: viewer/operator need that role anywhere, admin needs cluster-admin unless delegated', () => {
    expect(decideAccess(teamBAdmin, undefined, 'viewer')).toEqual({ allow: true, role: 'admin' });
    expect(decideAccess(defaultOperator, undefined, 'operator').allow).toBe(true);
    expect(
      decideAccess(
        { clusterAdmin: false, grants: [{ namespace: 'a', role: 'viewer' }] },
        undefined,
        'operator',
      ),
    ).toMatchObject({ allow: false, status: 403 });
    expect(decideAccess(teamBAdmin, undefined, 'admin')).toMatchObject({
      allow: false,
      status: 403,
      message: 'this needs cluster-admin; the token holds admin in team-b',
    });
    expect(decideAccess(teamBAdmin, undefined, 'admin', { delegated: true }).allow).toBe(true);
    expect(decideAccess(defaultOperator, undefined, 'admin', { delegated: true })).toMatchObject({
      allow: false,
      status: 403,
    });
  });
});

describe('token management without privilege escalation', () => {
  it('a namespace admin grants only in its own admin namespaces, never cluster-admin', () => {
    expect(
      mayGrant(teamBAdmin, {
        clusterAdmin: false,
        grants: [{ namespace: 'team-b', role: 'viewer' }],
      }),
    ).toBeUndefined();
    expect(
      mayGrant(teamBAdmin, {
        clusterAdmin: false,
        grants: [{ namespace: 'default', role: 'viewer' }],
      }),
    ).toMatch(/namespace "default" need admin there/);
    expect(mayGrant(teamBAdmin, admin)).toMatch(/only a cluster-admin/);
    const mixed: Access = {
      clusterAdmin: false,
      grants: [
        { namespace: 'team-b', role: 'admin' },
        { namespace: 'default', role: 'viewer' },
      ],
    };
    // Admin in team-b, viewer in default: may not hand out default.
    expect(
      mayGrant(mixed, { clusterAdmin: false, grants: [{ namespace: 'default', role: 'viewer' }] }),
    ).toBeDefined();
    expect(mayGrant(admin, admin)).toBeUndefined();
  });

  it('a namespace admin manages only tokens it could have created', () => {
    expect(
      mayManage(teamBAdmin, {
        clusterAdmin: false,
        grants: [{ namespace: 'team-b', role: 'operator' }],
      }),
    ).toBe(true);
    expect(mayManage(teamBAdmin, defaultOperator)).toBe(false);
    expect(mayManage(teamBAdmin, admin)).toBe(false);
    expect(mayManage(admin, defaultOperator)).toBe(true);
  });

  it('shows only namespaces with a grant', () => {
    expect(visibleNamespaces(teamBAdmin, ['default', 'team-b', 'team-c'])).toEqual(['team-b']);
    expect(visibleNamespaces(admin, ['default', 'team-b'])).toEqual(['default', 'team-b']);
  });

  it('normalizes grants: one per namespace, highest role, sorted', () => {
    expect(
      normalizeGrants([
        { namespace: 'b', role: 'viewer' },
        { namespace: 'a', role: 'operator' },
        { namespace: 'b', role: 'admin' },
      ]),
    ).toEqual([
      { namespace: 'a', role: 'operator' },
      { namespace: 'b', role: 'admin' },
    ]);
  });
});

describe('tokens stored before namespaces', () => {
  const old = { id: 'x', name: 'n', hash: 'h', createdAt: '', createdBy: '' };
  it('admin becomes cluster-admin, operator and viewer a grant on default', () => {
    expect(accessOf({ ...old, role: 'admin' })).toEqual(admin);
    expect(accessOf({ ...old, role: 'operator' })).toEqual(defaultOperator);
    expect(accessOf({ ...old })).toEqual({ clusterAdmin: false, grants: [] });
    // Grants win over the legacy role written for rollbacks.
    expect(accessOf({ ...old, role: 'operator', grants: defaultOperator.grants.slice() })).toEqual(
      defaultOperator,
    );
  });

  it('writes the legacy role only where the old release reads the same rights', () => {
    expect(legacyRole(admin)).toBe('admin');
    expect(legacyRole(defaultOperator)).toBe('operator');
    expect(
      legacyRole({ clusterAdmin: false, grants: [{ namespace: 'default', role: 'admin' }] }),
    ).toBeUndefined();
    expect(legacyRole(teamBAdmin)).toBeUndefined();
  });

  it('expires at expiresAt', () => {
    expect(
      isExpired({ expiresAt: '2030-01-01T00:00:00Z' }, Date.parse('2029-12-31T23:59:59Z')),
    ).toBe(false);
    expect(
      isExpired({ expiresAt: '2030-01-01T00:00:00Z' }, Date.parse('2030-01-01T00:00:00Z')),
    ).toBe(true);
    expect(isExpired({}, Date.now())).toBe(false);
  });
});

describe('UsageThrottle', () => {
  it('writes a token at most once per interval, remembering the latest use', () => {
    const throttle = new UsageThrottle(60_000);
    expect(throttle.touch('a', 1000)).toBe(true);
    expect(throttle.touch('a', 30_000)).toBe(false);
    expect(throttle.lastUsed('a')).toBe(30_000);
    expect(throttle.touch('b', 30_000)).toBe(true);
    expect(throttle.touch('a', 61_000)).toBe(true);
    // The clock went backwards: write again.
    expect(throttle.touch('a', 500)).toBe(true);
    throttle.forget('a');
    expect(throttle.lastUsed('a')).toBeUndefined();
  });
});
