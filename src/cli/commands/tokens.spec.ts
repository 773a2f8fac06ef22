import { parseExpires, parseGrant } from './tokens';

describe('token command options', () => {
  it('parses repeated --grant NAMESPACE=ROLE', () => {
    expect(parseGrant('team-b=admin', parseGrant('default=viewer'))).toEqual([
      { namespace: 'default', role: 'viewer' },
      { namespace: 'team-b', role: 'admin' },
    ]);
    expect(() => parseGrant('team-b')).toThrow(/NAMESPACE=ROLE/);
    expect(() => parseGrant('team-b=god')).toThrow(/viewer\|operator\|admin/);
  });

  it('parses --expires as a duration from now or an ISO time', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseExpires('30d', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpires('12h', now)).toBe('2026-01-01T12:00:00.000Z');
    expect(parseExpires('2027-01-01T00:00:00Z', now)).toBe('2027-01-01T00:00:00Z');
    expect(() => parseExpires('soon', now)).toThrow(/--expires/);
  });
});
