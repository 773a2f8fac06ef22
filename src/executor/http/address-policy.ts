import { CidrSet } from './cidr';

/** Link-local ranges and the cloud metadata services, refused unless HTTP_JOB_ALLOW_CIDRS allows them. */
export const BUILT_IN_DENIED: readonly { cidr: string; what: string }[] = [
  { cidr: '169.254.0.0/16', what: 'a link-local address (cloud metadata lives here)' },
  { cidr: 'fe80::/10', what: 'a link-local address' },
  { cidr: 'fd00:ec2::254/128', what: 'a cloud metadata address' },
  { cidr: '100.100.100.200/32', what: 'a cloud metadata address' },
  { cidr: '0.0.0.0/8', what: 'an unspecified address' },
  { cidr: '::/128', what: 'an unspecified address' },
];

export interface AddressPolicyOptions {
  allow: readonly string[];
  deny: readonly string[];
  /** The API this process serves itself (ROLE=all): its addresses and port. */
  ownApi?: { addresses: readonly string[]; port: number };
}

/**
 * Where an HTTP job may connect, judged on the resolved IP address (and port): HTTP_JOB_DENY_CIDRS
 * refuses first, then HTTP_JOB_ALLOW_CIDRS allows, then the built-in ranges and this process's own
 * API are refused; everything else is allowed.
 */
export class AddressPolicy {
  private readonly allow: CidrSet;
  private readonly deny: CidrSet;
  private readonly builtIn: { set: CidrSet; what: string }[];
  private readonly ownApi?: { set: CidrSet; port: number };

  constructor(options: AddressPolicyOptions) {
    this.allow = CidrSet.of(options.allow);
    this.deny = CidrSet.of(options.deny);
    this.builtIn = BUILT_IN_DENIED.map(({ cidr, what }) => ({ set: CidrSet.of([cidr]), what }));
    if (options.ownApi) {
      this.ownApi = { set: CidrSet.of(options.ownApi.addresses), port: options.ownApi.port };
    }
  }

  /** Why `address:port` is refused, or undefined when it is allowed. */
  refusal(address: string, port: number): string | undefined {
    if (this.deny.has(address)) return `${address} is in HTTP_JOB_DENY_CIDRS`;
    if (this.allow.has(address)) return undefined;
    for (const { set, what } of this.builtIn) {
      if (set.has(address)) return `${address} is ${what}, refused unless in HTTP_JOB_ALLOW_CIDRS`;
    }
    if (this.ownApi && port === this.ownApi.port && this.ownApi.set.has(address)) {
      return `${address}:${port} is this cluster's own API, refused unless in HTTP_JOB_ALLOW_CIDRS`;
    }
    return undefined;
  }
}
