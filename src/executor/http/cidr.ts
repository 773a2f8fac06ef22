import { BlockList, isIP } from 'node:net';

/** An address range: `10.0.0.0/8`, `fd00::/8`, or one address (`/32` or `/128` implied). */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export const CIDR_RULE =
  'must be a comma-separated list of IPv4 or IPv6 addresses or CIDR ranges such as 10.0.0.0/8 or fd00::/8';

export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0 || address === undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `::ffff:169.254.1.1` is the IPv4 address it maps; any other address is itself. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIP(mapped[1]) === 4) return { address: mapped[1], family: 'ipv4' };
  return { address: bare, family: isIP(bare) === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of ranges, matched by node's own BlockList. */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(ranges: readonly Cidr[]) {
    for (const range of ranges) this.list.addSubnet(range.address, range.prefix, range.family);
    this.size = ranges.length;
  }

  static of(texts: readonly string[]): CidrSet {
    return new CidrSet(
      texts.map((text) => {
        const cidr = parseCidr(text);
        if (!cidr) throw new Error(`not an address range: ${text}`);
        return cidr;
      }),
    );
  }

  has(address: string): boolean {
    if (isIP(normalizeAddress(address).address) === 0) return false;
    const { address: bare, family } = normalizeAddress(address);
    return this.list.check(bare, family);
  }
}
