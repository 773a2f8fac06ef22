import { SortedNames } from './sorted-names';

describe('SortedNames', () => {
  it('keeps names in order without duplicates, and iterates from a name', () => {
    const names = new SortedNames();
    for (const name of ['m', 'b', 'x', 'b', 'a', 'B']) names.add(name);
    expect([...names.from()]).toEqual(['B', 'a', 'b', 'm', 'x']);
    expect([...names.from('b')]).toEqual(['m', 'x']);
    expect([...names.from('c')]).toEqual(['m', 'x']);
    expect([...names.from(undefined, 'b')]).toEqual(['b', 'm', 'x']);
    expect([...names.from('a', 'm')]).toEqual(['m', 'x']);
    names.delete('m');
    names.delete('nope');
    expect([...names.from()]).toEqual(['B', 'a', 'b', 'x']);
    expect(names.size).toBe(4);
  });
});

describe('SortedNames.of', () => {
  it('sorts and dedupes a whole listing at once', () => {
    const names = SortedNames.of(['c', 'a', 'b', 'a']);
    expect([...names.from()]).toEqual(['a', 'b', 'c']);
    names.add('bb');
    expect([...names.from('b')]).toEqual(['bb', 'c']);
  });
});
