// The few DER encodings an X.509 certificate needs (ITU-T X.690, "DER" = the distinguished rules of
// section 10-section 11 on top of the basic encoding of section 8). Each returns one complete TLV.

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** X.690 section 8.1.3 and section 10.1: the short form below 128, else the long form with the fewest length octets. */
function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.sequence, Buffer.concat(items));

/** X.690 section 11.6: the elements of a DER SET OF sorted as octet strings. */
export const set = (...items: Buffer[]): Buffer => tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));

/** A context-specific constructed tag [n] wrapping a complete encoding (EXPLICIT tagging, X.690 section 8.14). */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

/** A context-specific primitive tag [n] replacing the tag of a primitive type (IMPLICIT tagging). */
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

/** X.690 section 11.1: TRUE is encoded as all ones. */
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));

/**
 * X.690 section 8.3: two's complement in the fewest octets. `magnitude` is an unsigned big-endian number;
 * a 0x00 goes in front when its top bit is set, so that it stays positive.
 */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = magnitude.subarray(start);
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(TAG.integer, content.length === 0 ? Buffer.from([0]) : content);
}

export const smallInteger = (n: number): Buffer => unsignedInteger(Buffer.from([n]));

/** X.690 section 8.6: the first content octet counts the unused bits of the last one. */
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));

export const octetString = (bytes: Buffer): Buffer => tlv(TAG.octetString, bytes);

export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));

/** X.690 section 8.19: the first two arcs as 40*x+y, every arc in base 128 with the high bit on all but its last octet. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [40 * first + second, ...rest]) {
    const groups: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * RFC 5280 section 4.1.2.5: UTCTime (YYMMDDHHMMSSZ, X.690 section 11.8) for years up to 2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ, X.690 section 11.7) from 2050; seconds always present, no fraction.
 */
export function time(at: Date): Buffer {
  const rest = `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}Z`;
  const year = at.getUTCFullYear();
  if (year < 2050) return tlv(TAG.utcTime, Buffer.from(`${two(year % 100)}${rest}`, 'ascii'));
  return tlv(TAG.generalizedTime, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'ascii'));
}
