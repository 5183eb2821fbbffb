// A self-signed certificate for the page, made with node:crypto alone: an ECDSA P-256 key and an
// X.509 v3 certificate (RFC 5280) encoded by hand in DER. Browsers will warn about it; the technician
// compares its SHA-256 fingerprint (printed at start, shown on the page) with what the browser shows.

import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitsToOctets, ipv4Bits, ipv6Bits } from '../../net/ip-bits.ts';
import { bitString, boolean, explicit, implicitPrimitive, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der.ts';

/** Most days a browser accepts for a TLS server certificate (CA/Browser Forum Baseline Requirements section 6.3.2, 2018). */
export const VALIDITY_DAYS = 825;

const OID = {
  commonName: '2.5.4.3', // RFC 5280 section 4.1.2.4 / X.520
  ecdsaWithSha256: '1.2.840.10045.4.3.2', // RFC 5758 section 3.2: parameters absent
  subjectAltName: '2.5.29.17', // RFC 5280 section 4.2.1.6
  basicConstraints: '2.5.29.19', // RFC 5280 section 4.2.1.9
  keyUsage: '2.5.29.15', // RFC 5280 section 4.2.1.3
  extKeyUsage: '2.5.29.37', // RFC 5280 section 4.2.1.12
  serverAuth: '1.3.6.1.5.5.7.3.1', // RFC 5280 section 4.2.1.12 id-kp-serverAuth
} as const;

export interface SelfSignedOptions {
  commonName: string;
  /** dNSName entries (ASCII host names). */
  dnsNames: string[];
  /** iPAddress entries, IPv4 or IPv6. */
  ipAddresses: string[];
  now?: Date;
}

export interface SelfSigned {
  keyPem: string;
  certPem: string;
}

/** RFC 5280 section 4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName, here a single CN. */
function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** RFC 5280 section 4.1.2.5 uses Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // X.690 section 11.5: a DEFAULT value is not encoded, so FALSE is left out.
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** An IPv4 or IPv6 address as the 4 or 16 octets RFC 5280 section 4.2.1.6 wants in an iPAddress. */
export function ipOctets(address: string): Buffer {
  if (isIP(address) === 0 || address.includes('.') !== (isIP(address) === 4)) throw new Error(`not an IPv4 or plain IPv6 address: ${address}`);
  return isIP(address) === 4 ? bitsToOctets(ipv4Bits(address), 4) : bitsToOctets(ipv6Bits(address), 16);
}

function subjectAltName(dnsNames: string[], ipAddresses: string[]): Buffer {
  // GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING (RFC 5280 section 4.2.1.6, implicit tags).
  return sequence(...dnsNames.map((n) => implicitPrimitive(2, Buffer.from(n, 'ascii'))), ...ipAddresses.map((a) => implicitPrimitive(7, ipOctets(a))));
}

/** RFC 5280 section 4.1.2.2: a positive serial of at most 20 octets; 16 random ones, top bit off, never a leading zero. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return unsignedInteger(bytes);
}

export function tbsCertificate(opts: SelfSignedOptions, publicKey: KeyObject): Buffer {
  const now = opts.now ?? new Date();
  // A little back-dated, so a client whose clock is slightly behind still accepts it.
  const notBefore = new Date(now.getTime() - 60 * 60_000);
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 24 * 60 * 60_000);
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const subject = name(opts.commonName);
  const extensions = [
    extension(OID.basicConstraints, true, sequence()), // cA FALSE (the DEFAULT, so empty)
    // digitalSignature is bit 0; DER drops trailing zero bits of a named bit list (X.690 section 11.2.2): 7 unused.
    extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, subjectAltName(opts.dnsNames, opts.ipAddresses)),
  ];
  // RFC 5280 section 4.1: version [0] EXPLICIT (2 = v3), serial, signature, issuer, validity, subject, SPKI, extensions [3].
  return sequence(
    explicit(0, smallInteger(2)),
    serialNumber(),
    algorithm,
    subject, // self-signed: the issuer is the subject
    sequence(time(notBefore), time(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
}

function pem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

export function createSelfSigned(opts: SelfSignedOptions): SelfSigned {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tbs = tbsCertificate(opts, createPublicKey(privateKey));
  // node signs EC keys as a DER Ecdsa-Sig-Value by default (RFC 3279 section 2.2.3), what X.509 carries.
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, sequence(oid(OID.ecdsaWithSha256)), bitString(signature));
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: pem('CERTIFICATE', certificate) };
}
