/**
 * SSRF guard: a kommun site (or a redirect on it) must not make the crawler reach into the network
 * it runs in. The decisive check is `lookup`, plugged into the socket connect of the HTTP client,
 * so the address that is checked is the address that is connected to (no DNS-rebinding gap).
 */

import dns from 'node:dns';
import net from 'node:net';
import { FetchFailure } from './fetch-failure.ts';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'metadata';

// Cloud instance-metadata endpoints hand out credentials; never allowed, not even for tests.
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']);

function parseIPv4(ip: string): [number, number, number, number] | undefined {
  if (!net.isIPv4(ip)) return undefined;
  const parts = ip.split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 0];
}

/** Eight 16-bit groups; an embedded dotted IPv4 tail becomes the last two groups. */
function parseIPv6(ip: string): number[] | undefined {
  if (!net.isIPv6(ip)) return undefined;
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const v4 = parseIPv4(text.slice(lastColon + 1));
  if (v4) {
    const hex = (n: number): string => n.toString(16);
    text = `${text.slice(0, lastColon + 1)}${hex((v4[0] << 8) | v4[1])}:${hex((v4[2] << 8) | v4[3])}`;
  }
  const toGroups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const halves = text.split('::');
  let groups: number[];
  if (halves.length === 2) {
    const head = toGroups(halves[0] ?? '');
    const rest = toGroups(halves[1] ?? '');
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    groups = toGroups(text);
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

function classifyV4(a: number, b: number, c: number, d: number): AddressClass {
  if (METADATA_V4.has(`${a}.${b}.${c}.${d}`)) return 'metadata';
  if (a === 0) return 'unspecified';
  if (a === 10) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved';
  if (a === 192 && b === 88 && c === 99) return 'reserved';
  if (a === 198 && (b === 18 || b === 19)) return 'reserved';
  if (a === 198 && b === 51 && c === 100) return 'reserved';
  if (a === 203 && b === 0 && c === 113) return 'reserved';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved'; // 240/4 and the broadcast address
  return 'public';
}

function classifyV6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = (hi: number, lo: number): AddressClass => classifyV4(hi >> 8, hi & 0xff, lo >> 8, lo & 0xff);
  const zeroTo5 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroTo5 && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroTo5 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  if (zeroTo5 && g5 === 0xffff) return embedded(g6, g7); // IPv4-mapped: the socket goes to that IPv4
  if (METADATA_V6.has(g.map((x) => x.toString(16)).join(':'))) return 'metadata';
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  if (g0 === 0x2002) return embedded(g1, g2);
  if (g0 === 0) return 'reserved'; // ::/8 incl. deprecated IPv4-compatible addresses
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard prefix
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8 || (g1 === 2 && g2 === 0) || (g1 & 0xfff0) === 0x10)) {
    return 'reserved'; // Teredo, documentation, benchmarking, ORCHID
  }
  if (g0 === 0x3fff && (g1 & 0xf000) === 0) return 'reserved'; // 3fff::/20 documentation
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xe000) === 0x2000) return 'public'; // global unicast 2000::/3
  return 'reserved';
}

function stripBrackets(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = bare.indexOf('%');
  return zone >= 0 ? bare.slice(0, zone) : bare;
}

/**
 * What kind of address this is. Accepts IPv4, IPv6 (with or without brackets or zone id) and
 * IPv4-mapped IPv6. Anything that is not an IP address is 'reserved', so that it is blocked.
 */
export function classifyAddress(ip: string): AddressClass {
  const bare = stripBrackets(ip.trim());
  const v4 = parseIPv4(bare);
  if (v4) return classifyV4(...v4);
  const v6 = parseIPv6(bare);
  if (v6) return classifyV6(v6);
  return 'reserved';
}

/** One spelling per address, so that ::ffff:127.0.0.1 and 127.0.0.1 compare equal. */
function canonicalIp(ip: string): string | undefined {
  const bare = stripBrackets(ip.trim());
  if (parseIPv4(bare)) return bare;
  const g = parseIPv6(bare);
  if (!g) return undefined;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi = 0, lo = 0] = [g[6], g[7]];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return g.map((x) => x.toString(16)).join(':');
}

export function isIpLiteral(host: string): boolean {
  return net.isIP(stripBrackets(host)) !== 0;
}

export type Resolver = (hostname: string) => Promise<dns.LookupAddress[]>;

export interface AddressGuardOptions {
  /** Let the registry's own non-public addresses through (tests, the demo, --allow-private). */
  allowPrivate: boolean;
  /** Host names, IP literals or whole URLs of the sites in the registry. */
  registryHosts: string[];
  /** Name resolution; system resolver (dns.lookup, as the sockets would use) unless given. */
  resolve?: Resolver;
}

const systemResolve: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

// Classes that --allow-private may open for the registry's own addresses; the rest stay shut.
const OPENABLE: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'link-local', 'cgnat', 'reserved']);

const CLASS_SV: Record<AddressClass, string> = {
  public: 'publik',
  loopback: 'den egna datorn',
  private: 'privat nät',
  'link-local': 'länklokal',
  cgnat: 'operatörsnät, CGNAT',
  unspecified: 'ospecificerad',
  multicast: 'multicast',
  reserved: 'reserverad',
  metadata: 'molnets metadatatjänst',
};

const DNS_TRANSIENT = new Set(['EAI_AGAIN', 'ETIMEOUT', 'ESERVFAIL', 'ECONNREFUSED']);

/**
 * What `lookup` fails with. It only knows the host name, not the URL being fetched, so the fetcher
 * rebuilds the message for the URL with `blockedFailure` / `dnsFailure`.
 */
export class LookupRefusal extends FetchFailure {
  constructor(
    code: 'blocked-address' | 'dns',
    readonly hostname: string,
    /** The refused address (blocked-address) or the host name (dns). */
    readonly address: string,
    cause?: unknown,
    message?: string,
  ) {
    super(code, hostname, message ?? `Namnet ${hostname} kunde inte slås upp (DNS).`, { cause });
    this.name = 'LookupRefusal';
  }
}

export class AddressGuard {
  readonly allowPrivate: boolean;
  private readonly registryHosts: string[];
  private readonly resolve: Resolver;
  private registryAddresses: Promise<Set<string>> | undefined;

  constructor(opts: AddressGuardOptions) {
    this.allowPrivate = opts.allowPrivate;
    this.resolve = opts.resolve ?? systemResolve;
    this.registryHosts = opts.registryHosts.map((h) => {
      try {
        return h.includes('://') ? stripBrackets(new URL(h).hostname) : stripBrackets(h);
      } catch {
        return stripBrackets(h);
      }
    });
  }

  /** The addresses the registry's hosts resolve to, resolved once when first needed. */
  private allowedPrivateAddresses(): Promise<Set<string>> {
    this.registryAddresses ??= (async () => {
      const set = new Set<string>();
      await Promise.all(
        this.registryHosts.map(async (host) => {
          const literal = canonicalIp(host);
          if (literal) {
            set.add(literal);
            return;
          }
          try {
            for (const { address } of await this.resolve(host)) {
              const canon = canonicalIp(address);
              if (canon) set.add(canon);
            }
          } catch {
            // A registry name that does not resolve only loses its exemption; its fetch will fail on DNS.
          }
        }),
      );
      return set;
    })();
    return this.registryAddresses;
  }

  /** Whether the crawler may open a connection to this IP address. */
  async isAllowed(ip: string): Promise<boolean> {
    const kind = classifyAddress(ip);
    if (kind === 'public') return true;
    if (!this.allowPrivate || !OPENABLE.has(kind)) return false;
    const canon = canonicalIp(ip);
    return canon !== undefined && (await this.allowedPrivateAddresses()).has(canon);
  }

  /** The failure for a URL whose host leads to a blocked address. */
  blockedFailure(url: string, ip: string): FetchFailure {
    const kind = classifyAddress(ip);
    const why = this.allowPrivate
      ? 'Adressen hör inte till någon webbplats i registret.'
      : 'Granska hämtar bara från publika adresser (--allow-private tillåter registrets egna adresser, för test och demo).';
    return new FetchFailure(
      'blocked-address',
      url,
      `${url} leder till den interna adressen ${ip} (${CLASS_SV[kind]}) och hämtades inte. ${why}`,
    );
  }

  /** The failure for a URL whose host name could not be resolved. */
  dnsFailure(url: string, hostname: string, cause: unknown): FetchFailure {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
    return new FetchFailure(
      'dns',
      url,
      DNS_TRANSIENT.has(code)
        ? `Namnet ${hostname} i ${url} kunde inte slås upp just nu (DNS svarade inte).`
        : `Namnet ${hostname} i ${url} finns inte (DNS).`,
      { cause },
    );
  }

  private async resolveOrFail(hostname: string, url: string | undefined): Promise<dns.LookupAddress[]> {
    let addresses: dns.LookupAddress[];
    try {
      addresses = await this.resolve(hostname);
    } catch (err) {
      throw url === undefined ? new LookupRefusal('dns', hostname, hostname, err) : this.dnsFailure(url, hostname, err);
    }
    if (addresses.length === 0) {
      const err = Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' });
      throw url === undefined ? new LookupRefusal('dns', hostname, hostname, err) : this.dnsFailure(url, hostname, err);
    }
    return addresses;
  }

  /**
   * Checks a URL before it is queued: IP literals directly, names by resolving them. Passes when at
   * least one address may be contacted; `lookup` later connects only to such addresses.
   */
  async check(url: URL): Promise<void> {
    const host = stripBrackets(url.hostname);
    if (isIpLiteral(host)) {
      if (!(await this.isAllowed(host))) throw this.blockedFailure(url.href, host);
      return;
    }
    const addresses = await this.resolveOrFail(host, url.href);
    for (const { address } of addresses) if (await this.isAllowed(address)) return;
    throw this.blockedFailure(url.href, addresses[0]?.address ?? host);
  }

  /**
   * Drop-in for dns.lookup in socket options (undici `connect: { lookup }`): resolves, keeps only
   * addresses that may be contacted, and fails with FetchFailure('blocked-address') if none are left.
   * Node does not call lookup for IP-literal hosts, so those must go through `check` first.
   */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    const family = typeof options === 'number' ? options : (options?.family ?? 0);
    const wantAll = typeof options === 'object' && options !== null && options.all === true;
    const famNum = family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : Number(family) || 0;
    this.resolveOrFail(hostname, undefined)
      .then(async (addresses) => {
        const usable: dns.LookupAddress[] = [];
        for (const a of addresses) {
          if (famNum !== 0 && a.family !== famNum) continue;
          if (await this.isAllowed(a.address)) usable.push(a);
        }
        if (usable.length === 0) {
          const first = addresses.find((a) => famNum === 0 || a.family === famNum) ?? addresses[0];
          const ip = first?.address ?? hostname;
          callback(new LookupRefusal('blocked-address', hostname, ip, undefined, this.blockedFailure(hostname, ip).message), '', 0);
          return;
        }
        if (wantAll) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((err: unknown) => callback(err as NodeJS.ErrnoException, '', 0));
  };
}
