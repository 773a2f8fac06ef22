import { parseDependencyState, planParentEnd } from './fan-in';

describe('planParentEnd', () => {
  const empty = parseDependencyState(undefined);

  it('fires a one-parent child for every matching run, once per run', () => {
    const first = planParentEnd(empty, 'a', 'a@1', ['a']);
    expect(first).toEqual({
      kind: 'count',
      fire: true,
      state: { last: { a: 'a@1' }, pending: {} },
    });
    if (first.kind !== 'count') throw new Error('expected count');
    expect(planParentEnd(first.state, 'a', 'a@1', ['a'])).toEqual({ kind: 'counted' });
    expect(planParentEnd(first.state, 'a', 'a@2', ['a'])).toMatchObject({ fire: true });
  });

  it('fires a fan-in child once every parent matched since its last dependency run', () => {
    const parents = ['a', 'b'];
    const a1 = planParentEnd(empty, 'a', 'a@1', parents);
    expect(a1).toMatchObject({ kind: 'count', fire: false });
    if (a1.kind !== 'count') throw new Error('expected count');
    // A second run of a before b: still one pending entry, no fire.
    const a2 = planParentEnd(a1.state, 'a', 'a@2', parents);
    expect(a2).toMatchObject({ fire: false, state: { pending: { a: 'a@2' } } });
    if (a2.kind !== 'count') throw new Error('expected count');
    const b1 = planParentEnd(a2.state, 'b', 'b@1', parents);
    expect(b1).toEqual({
      kind: 'count',
      fire: true,
      state: { last: { a: 'a@2', b: 'b@1' }, pending: {} },
    });
    if (b1.kind !== 'count') throw new Error('expected count');
    // After the fire, both must match again.
    expect(planParentEnd(b1.state, 'b', 'b@2', parents)).toMatchObject({ fire: false });
  });

  it('drops parents the child no longer names', () => {
    const state = { last: { old: 'old@1' }, pending: { old: 'old@1' } };
    expect(planParentEnd(state, 'a', 'a@1', ['a'])).toEqual({
      kind: 'count',
      fire: true,
      state: { last: { a: 'a@1' }, pending: {} },
    });
  });

  it('reads unreadable state as empty', () => {
    expect(parseDependencyState('{nope')).toEqual({ last: {}, pending: {} });
    expect(parseDependencyState('{"last":{"a":1}}')).toEqual({ last: {}, pending: {} });
  });
});
