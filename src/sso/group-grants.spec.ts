import { accessOfGroups, groupsOfClaim, parseGroupGrants } from './group-grants';

describe('parseGroupGrants', () => {
  it('accepts a mapping, sorted by group, grants normalized', () => {
    const parsed = parseGroupGrants({
      mappings: [
        {
          group: 'ops',
          grants: [
            { namespace: 'b', role: 'viewer' },
            { namespace: 'b', role: 'operator' },
            { namespace: 'a', role: 'admin' },
          ],
        },
        { group: 'root', clusterAdmin: true },
      ],
    });
    expect(parsed).toEqual({
      value: {
        mappings: [
          {
            group: 'ops',
            grants: [
              { namespace: 'a', role: 'admin' },
              { namespace: 'b', role: 'operator' },
            ],
            clusterAdmin: false,
          },
          { group: 'root', grants: [], clusterAdmin: true },
        ],
      },
    });
  });

  it('names every wrong field', () => {
    const parsed = parseGroupGrants({
      extra: 1,
      mappings: [
        { group: '', grants: [{ namespace: 'UPPER', role: 'root' }] },
        { group: 'x', grants: 'all', clusterAdmin: 'yes' },
        { group: 'x', grants: [] },
        'nope',
      ],
    });
    expect(parsed.errors?.map((e) => e.field)).toEqual([
      'extra',
      'mappings[0].group',
      'mappings[0].grants[0].namespace',
      'mappings[0].grants[0].role',
      'mappings[1].clusterAdmin',
      'mappings[1].grants',
      'mappings[2].group',
      'mappings[2].grants',
      'mappings[3]',
    ]);
  });

  it('refuses a body that is not an object with a mappings array', () => {
    expect(parseGroupGrants([]).errors).toEqual([
      { field: 'body', reason: 'must be a JSON object' },
    ]);
    expect(parseGroupGrants({}).errors).toEqual([
      { field: 'mappings', reason: 'must be an array' },
    ]);
  });
});

describe('accessOfGroups', () => {
  const mapping = {
    mappings: [
      {
        group: 'a-view',
        grants: [{ namespace: 'a', role: 'viewer' as const }],
        clusterAdmin: false,
      },
      {
        group: 'a-admin',
        grants: [{ namespace: 'a', role: 'admin' as const }],
        clusterAdmin: false,
      },
      {
        group: 'b-ops',
        grants: [{ namespace: 'b', role: 'operator' as const }],
        clusterAdmin: false,
      },
      { group: 'root', grants: [], clusterAdmin: true },
    ],
  };

  it('unites the grants of the mapped groups, the highest role per namespace', () => {
    expect(accessOfGroups(mapping, ['a-view', 'a-admin', 'b-ops', 'unmapped'])).toEqual({
      clusterAdmin: false,
      grants: [
        { namespace: 'a', role: 'admin' },
        { namespace: 'b', role: 'operator' },
      ],
    });
  });

  it('gives cluster-admin when one group is, and nothing for unmapped groups', () => {
    expect(accessOfGroups(mapping, ['a-view', 'root'])).toEqual({ clusterAdmin: true, grants: [] });
    expect(accessOfGroups(mapping, ['other'])).toEqual({ clusterAdmin: false, grants: [] });
  });
});

describe('groupsOfClaim', () => {
  it('reads an array of strings or one string, nothing else', () => {
    expect(groupsOfClaim(['a', 1, 'b'])).toEqual(['a', 'b']);
    expect(groupsOfClaim('a')).toEqual(['a']);
    expect(groupsOfClaim({ a: 1 })).toEqual([]);
    expect(groupsOfClaim(undefined)).toEqual([]);
  });
});
