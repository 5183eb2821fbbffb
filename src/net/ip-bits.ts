// IP addresses in text as numbers: what allow lists compare and certificates carry (as octets).

/** A valid dotted IPv4 address as its 32-bit number. */
export function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** A valid IPv6 address (RFC 4291 section 2.2 text forms, `::` and a trailing dotted IPv4 part included) as its 128-bit number. */
export function ipv6Bits(text: string): bigint {
  let groups = text;
  // A trailing dotted IPv4 part (::ffff:10.1.2.3) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    const v4 = ipv4Bits(dotted[1]!);
    groups = `${groups.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headParts.length - tailParts.length;
  const all = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return all.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** The address's octets, most significant first: 4 for IPv4, 16 for IPv6. */
export function bitsToOctets(bits: bigint, size: 4 | 16): Buffer {
  const out = Buffer.alloc(size);
  for (let i = size - 1, rest = bits; i >= 0; i--, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}
