import { AppConfig } from '../config/app-config';
import { ConfigRunAsPolicies } from './config-run-as-policies';
import { NamespacePools } from './namespace-pools';

const pools = (defaultUsers: string[] = []) =>
  new NamespacePools(
    new ConfigRunAsPolicies(
      Object.assign(new AppConfig(), { DEFAULT_NAMESPACE_RUN_AS_USERS: defaultUsers }),
    ),
  );

describe('NamespacePools', () => {
  it('knows each namespace’s pool by job id; default always exists; others only when stored', () => {
    const known = pools();
    expect(known.poolOf('etl')).toEqual({});
    expect(known.poolOf('team-a:etl')).toBeUndefined();
    const changed = known.update(
      new Map([['team-a', JSON.stringify({ name: 'team-a', pool: { pool: 'a' } })]]),
    );
    expect([...changed]).toEqual(['team-a']);
    expect(known.poolOf('team-a:etl')).toEqual({ pool: 'a' });
    // The same again changes nothing; a deletion changes that namespace.
    expect(
      known.update(new Map([['team-a', JSON.stringify({ name: 'team-a', pool: { pool: 'a' } })]]))
        .size,
    ).toBe(0);
    expect([...known.update(new Map())]).toEqual(['team-a']);
    expect(known.poolOf('team-a:etl')).toBeUndefined();
  });

  it('gives each namespace its run-as users; root only when listed; default adds the setting', () => {
    const known = pools(['backup']);
    known.update(
      new Map([
        ['team-a', JSON.stringify({ runAsUsers: ['app'] })],
        ['ops', JSON.stringify({ runAsUsers: ['root', 'app'] })],
        ['default', JSON.stringify({ runAsUsers: ['web'] })],
      ]),
    );
    expect(known.policyFor('team-a')).toEqual({ runAsUsers: ['app'], allowRoot: false });
    expect(known.policyFor('ops').allowRoot).toBe(true);
    expect(known.policyFor('default')).toEqual({ runAsUsers: ['web', 'backup'], allowRoot: false });
    expect(known.policyFor('nope')).toEqual({ runAsUsers: [], allowRoot: false });
  });
});
