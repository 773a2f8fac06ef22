import { AddressPolicy } from './address-policy';

describe('AddressPolicy', () => {
  it('refuses link-local and metadata addresses by default, allows the rest', () => {
    const policy = new AddressPolicy({ allow: [], deny: [] });
    expect(policy.refusal('169.254.169.254', 80)).toMatch(/link-local/);
    expect(policy.refusal('::ffff:169.254.169.254', 80)).toMatch(/link-local/);
    expect(policy.refusal('fe80::1', 80)).toMatch(/link-local/);
    expect(policy.refusal('fd00:ec2::254', 80)).toMatch(/metadata/);
    expect(policy.refusal('0.0.0.0', 80)).toMatch(/unspecified/);
    expect(policy.refusal('127.0.0.1', 80)).toBeUndefined();
    expect(policy.refusal('93.184.216.34', 443)).toBeUndefined();
  });

  it('HTTP_JOB_DENY_CIDRS refuses first, HTTP_JOB_ALLOW_CIDRS opens built-in ranges', () => {
    const policy = new AddressPolicy({
      allow: ['169.254.10.0/24', '10.0.0.0/8'],
      deny: ['10.9.0.0/16', '127.0.0.2'],
    });
    expect(policy.refusal('169.254.10.5', 80)).toBeUndefined();
    expect(policy.refusal('169.254.11.5', 80)).toMatch(/HTTP_JOB_ALLOW_CIDRS/);
    expect(policy.refusal('10.9.1.1', 80)).toMatch(/HTTP_JOB_DENY_CIDRS/);
    expect(policy.refusal('127.0.0.2', 80)).toMatch(/HTTP_JOB_DENY_CIDRS/);
    expect(policy.refusal('10.1.1.1', 80)).toBeUndefined();
  });

  it("refuses this process's own API port on its own addresses only", () => {
    const policy = new AddressPolicy({
      allow: [],
      deny: [],
      ownApi: { addresses: ['127.0.0.0/8', '::1'], port: 8070 },
    });
    expect(policy.refusal('127.0.0.1', 8070)).toMatch(/own API/);
    expect(policy.refusal('::1', 8070)).toMatch(/own API/);
    expect(policy.refusal('127.0.0.1', 8080)).toBeUndefined();
    expect(policy.refusal('10.0.0.1', 8070)).toBeUndefined();
  });
});
