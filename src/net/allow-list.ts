// Which peer addresses a listener accepts: single addresses and CIDR ranges (RFC 4632 for IPv4,
// RFC 4291 section 2.3 for IPv6), or "any". An IPv4 peer reached through a dual-stack socket shows
// as an IPv4-mapped IPv6 address (RFC 4291 section 2.5.5.2, ::ffff:a.b.c.d): it is compared as IPv4.

import { isIPv4, isIPv6 } from 'node:net';
import { ipv4Bits, ipv6Bits } from './ip-bits.ts';

/** The entry that accepts every address; written on purpose in the config. */
export const ANY = 'any';

interface Range {
  family: 4 | 6;
  /** The address as a number: 32 bits for IPv4, 128 for IPv6. */
  base: bigint;
  prefix: number;
}

export type AllowEntry = { ok: true; range: Range | 'any' } | { ok: false; message: string };

/** A peer address as a family and a number; IPv4-mapped IPv6 becomes IPv4. Undefined when it is no IP address. */
function addressBits(address: string): { family: 4 | 6; bits: bigint } | undefined {
  const plain = address.replace(/%.*$/, ''); // a zone (fe80::1%eth0) names the interface, not the peer
  if (isIPv4(plain)) return { family: 4, bits: ipv4Bits(plain) };
  if (!isIPv6(plain)) return undefined;
  const bits = ipv6Bits(plain);
  if (bits >> 32n === 0xffffn) return { family: 4, bits: bits & 0xffffffffn };
  return { family: 6, bits };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const width = family === 4 ? 32 : 128;
  return ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
}

/** One config entry: `10.1.2.3`, `10.1.2.0/24`, `fd00::/8`, `::ffff:10.1.2.3`, or `any`. */
export function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim();
  if (text.toLowerCase() === ANY) return { ok: true, range: 'any' };
  const [address = '', prefixText, extra] = text.split('/');
  const parsed = extra === undefined ? addressBits(address) : undefined;
  if (!parsed || address.includes('%'))
    return { ok: false, message: `"${entry}" is not an IP address or CIDR range (e.g. 10.1.2.7, 10.1.2.0/24, fd00::/8, or "any")` };
  // A mapped IPv6 range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
  const mappedOffset = parsed.family === 4 && isIPv6(address) ? 96 : 0;
  const width = parsed.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { ok: true, range: { family: parsed.family, base: parsed.bits, prefix: width } };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) - mappedOffset : NaN;
  if (!(prefix >= 0 && prefix <= width)) return { ok: false, message: `"${entry}": the prefix length must be 0 to ${width + mappedOffset}` };
  const m = mask(parsed.family, prefix);
  if ((parsed.bits & ~m & mask(parsed.family, width)) !== 0n) {
    return { ok: false, message: `"${entry}" has bits set after the prefix: write the range's first address (e.g. 10.1.2.0/24)` };
  }
  return { ok: true, range: { family: parsed.family, base: parsed.bits, prefix } };
}

/** Problems of a list from the config, by index; empty when every entry is usable. */
export function allowListProblems(entries: readonly string[]): { index: number; message: string }[] {
  return entries.flatMap((entry, index) => {
    const parsed = parseAllowEntry(entry);
    return parsed.ok ? [] : [{ index, message: parsed.message }];
  });
}

/** The test a listener runs on each peer address; throws on an entry that `allowListProblems` reports. */
export function compileAllowList(entries: readonly string[]): (address: string | undefined) => boolean {
  const ranges: Range[] = [];
  for (const entry of entries) {
    const parsed = parseAllowEntry(entry);
    if (!parsed.ok) throw new Error(parsed.message);
    if (parsed.range === 'any') return () => true;
    ranges.push(parsed.range);
  }
  return (address) => {
    const peer = address === undefined ? undefined : addressBits(address);
    if (!peer) return false;
    return ranges.some((r) => r.family === peer.family && (peer.bits & mask(r.family, r.prefix)) === r.base);
  };
}

/** Loopback: 127.0.0.0/8 (RFC 1122 section 3.2.1.3), ::1 (RFC 4291 section 2.5.3), and the name localhost (RFC 6761 section 6.3). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const parsed = addressBits(host);
  if (!parsed) return false;
  return parsed.family === 4 ? parsed.bits >> 24n === 127n : parsed.bits === 1n;
}
