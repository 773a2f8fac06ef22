import { CidrSet, normalizeAddress, parseCidr } from './cidr';

describe('CIDR ranges', () => {
  it('parses addresses and ranges of both families', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('fe80::/10')).toEqual({ address: 'fe80::', prefix: 10, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
  });

  it('refuses what is not a range', () => {
    for (const bad of [
      '',
      'example.com',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0.0/x',
      '256.0.0.1',
    ]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });

  it('matches addresses, including IPv4-mapped IPv6 and bracketed forms', () => {
    const set = CidrSet.of(['169.254.0.0/16', 'fe80::/10', '10.1.2.3']);
    expect(set.has('169.254.169.254')).toBe(true);
    expect(set.has('169.255.0.1')).toBe(false);
    expect(set.has('::ffff:169.254.1.1')).toBe(true);
    expect(set.has('fe80::1')).toBe(true);
    expect(set.has('[fe80::1]')).toBe(true);
    expect(set.has('fec0::1')).toBe(false);
    expect(set.has('10.1.2.3')).toBe(true);
    expect(set.has('10.1.2.4')).toBe(false);
    expect(set.has('not-an-ip')).toBe(false);
    expect(normalizeAddress('::FFFF:10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
  });
});
