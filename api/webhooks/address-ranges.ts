/**
 * Which IP addresses a webhook may be sent to. Anything that reaches the operator's own machine or network
 * (loopback, private, link-local such as the cloud metadata service at 169.254.169.254, CGNAT, "this host"
 * 0.0.0.0), multicast, documentation and reserved ranges is not `public`. IPv6 addresses that carry an IPv4 address
 * (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) are judged by that IPv4 address.
 *
 * Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates).
 */
import { isIPv4, isIPv6 } from "node:net";

export type AddressCategory =
  "public" | "private" | "loopback" | "link-local" | "unspecified" | "cgnat" | "documentation" | "multicast" | "reserved";

type Range = { network: readonly number[]; bits: number; category: Exclude<AddressCategory, "public"> };

const IPV4_RANGES: readonly Range[] = [
  { network: [0, 0, 0, 0], bits: 8, category: "unspecified" }, // "this network"; 0.0.0.0 reaches the local host on Linux
  { network: [10, 0, 0, 0], bits: 8, category: "private" },
  { network: [100, 64, 0, 0], bits: 10, category: "cgnat" },
  { network: [127, 0, 0, 0], bits: 8, category: "loopback" },
  { network: [169, 254, 0, 0], bits: 16, category: "link-local" },
  { network: [172, 16, 0, 0], bits: 12, category: "private" },
  { network: [192, 0, 0, 0], bits: 24, category: "reserved" }, // IETF protocol assignments
  { network: [192, 0, 2, 0], bits: 24, category: "documentation" },
  { network: [192, 88, 99, 0], bits: 24, category: "reserved" }, // 6to4 relay anycast, deprecated
  { network: [192, 168, 0, 0], bits: 16, category: "private" },
  { network: [198, 18, 0, 0], bits: 15, category: "reserved" }, // benchmarking
  { network: [198, 51, 100, 0], bits: 24, category: "documentation" },
  { network: [203, 0, 113, 0], bits: 24, category: "documentation" },
  { network: [224, 0, 0, 0], bits: 4, category: "multicast" },
  { network: [240, 0, 0, 0], bits: 4, category: "reserved" }, // includes the broadcast address 255.255.255.255
];

const IPV6_RANGES: readonly Range[] = [
  { network: ipv6Bytes("::"), bits: 128, category: "unspecified" },
  { network: ipv6Bytes("::1"), bits: 128, category: "loopback" },
  { network: ipv6Bytes("64:ff9b:1::"), bits: 48, category: "private" }, // local-use NAT64
  { network: ipv6Bytes("100::"), bits: 64, category: "reserved" }, // discard-only
  { network: ipv6Bytes("2001::"), bits: 23, category: "reserved" }, // IETF protocol assignments: Teredo, benchmarking, ORCHID
  { network: ipv6Bytes("2001:db8::"), bits: 32, category: "documentation" },
  { network: ipv6Bytes("3fff::"), bits: 20, category: "documentation" },
  { network: ipv6Bytes("fc00::"), bits: 7, category: "private" }, // unique local
  { network: ipv6Bytes("fec0::"), bits: 10, category: "private" }, // site-local, deprecated
  { network: ipv6Bytes("fe80::"), bits: 10, category: "link-local" },
  { network: ipv6Bytes("ff00::"), bits: 8, category: "multicast" },
];
/** Global unicast: every other IPv6 address is unassigned or special, so it is `reserved`. */
const IPV6_GLOBAL_UNICAST: Range = { network: ipv6Bytes("2000::"), bits: 3, category: "reserved" };

/** IPv6 prefixes whose addresses embed an IPv4 address, and where it sits (byte offset). */
const IPV6_EMBEDDING_IPV4: readonly { network: readonly number[]; bits: number; offset: number }[] = [
  { network: ipv6Bytes("::ffff:0:0"), bits: 96, offset: 12 }, // IPv4-mapped
  { network: ipv6Bytes("64:ff9b::"), bits: 96, offset: 12 }, // NAT64 well-known prefix
  { network: ipv6Bytes("2002::"), bits: 16, offset: 2 }, // 6to4
];

/** The category of an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` is ignored). Throws for anything else. */
export function classifyAddress(address: string): AddressCategory {
  if (isIPv4(address)) return classifyIPv4(address.split(".").map(Number));
  const unzoned = address.replace(/%.*$/, "");
  if (isIPv6(unzoned)) return classifyIPv6(ipv6Bytes(unzoned));
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}

function classifyIPv4(bytes: readonly number[]): AddressCategory {
  return IPV4_RANGES.find((range) => inRange(bytes, range))?.category ?? "public";
}

function classifyIPv6(bytes: readonly number[]): AddressCategory {
  const embedding = IPV6_EMBEDDING_IPV4.find((prefix) => inRange(bytes, prefix));
  if (embedding) return classifyIPv4(bytes.slice(embedding.offset, embedding.offset + 4));
  const special = IPV6_RANGES.find((range) => inRange(bytes, range));
  if (special) return special.category;
  return inRange(bytes, IPV6_GLOBAL_UNICAST) ? "public" : IPV6_GLOBAL_UNICAST.category;
}

function inRange(bytes: readonly number[], { network, bits }: { network: readonly number[]; bits: number }): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((network[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of a valid IPv6 address (checked by the caller), including forms with a dotted IPv4 tail. */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}
