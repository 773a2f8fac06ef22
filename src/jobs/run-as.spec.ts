import { isRootName, isValidRunAs, parseRunAs } from './run-as';

describe('parseRunAs', () => {
  it.each([
    ['alice', { user: 'alice' }],
    ['alice:staff', { user: 'alice', group: 'staff' }],
    ['svc.backup-1_x', { user: 'svc.backup-1_x' }],
    ['1001:1001', { user: '1001', group: '1001' }],
    ['0', { user: '0' }],
    ['4294967294', { user: '4294967294' }],
    ['_apt', { user: '_apt' }],
    ['a'.repeat(32), { user: 'a'.repeat(32) }],
  ])('%s is %j', (value, parsed) => {
    expect(parseRunAs(value)).toEqual(parsed);
  });

  it.each([
    '',
    ':',
    'alice:',
    ':staff',
    'a:b:c',
    '-alice',
    'alice:-staff',
    'al ice',
    'alice$',
    'ålice',
    'a'.repeat(33),
    '4294967295',
    '99999999999',
    'alice\0',
  ])('%j is refused', (value) => {
    expect(parseRunAs(value)).toBeUndefined();
    expect(isValidRunAs(value)).toBe(false);
  });

  it('refuses what is not a string', () => {
    expect(isValidRunAs(1001)).toBe(false);
    expect(isValidRunAs(undefined)).toBe(false);
  });
});

describe('isRootName', () => {
  it('is root by name or uid 0 however written, nothing else', () => {
    expect(['root', '0', '00'].map(isRootName)).toEqual([true, true, true]);
    expect(['Root', 'rooty', '10', 'toor'].map(isRootName)).toEqual([false, false, false, false]);
  });
});
