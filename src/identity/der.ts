/**
 * A minimal DER reader (definite lengths only), enough to tell what a blob is
 * (certificate, PKCS#8, encrypted PKCS#8, PKCS#1, SEC1, PKCS#12) and to pull out
 * the few fields identity loading needs. Pure: no I/O, no crypto.
 * @internal
 */

/** One tag-length-value element, as offsets into the buffer it was read from. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number, low tag numbers only). */
  tag: number;
  constructed: boolean;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** Thrown for bytes that are not well-formed DER. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

/** Reads the element starting at `offset`; it must end within `limit`. */
export function readTlv(buf: Uint8Array, offset = 0, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError("truncated DER element");
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not supported");
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError("indefinite length (BER) is not DER");
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError("DER length too large");
    if (pos + n > limit) throw new DerError("truncated DER length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError("truncated DER element");
  return { tag, constructed: (tag & 0x20) !== 0, start: offset, contentStart: pos, end };
}

/** The elements inside a constructed element, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!parent.constructed) throw new DerError("not a constructed element");
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(buf, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The content octets of an element (a view, not a copy). */
export function contentOf(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.contentStart, tlv.end - tlv.contentStart);
}

/** The whole encoding of an element, header included (a view, not a copy). */
export function encodingOf(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + tlv.start, tlv.end - tlv.start);
}

/** Decodes an OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError("empty OID");
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  if ((content[content.length - 1]! & 0x80) !== 0) throw new DerError("truncated OID");
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

/** Reads the OID element `tlv` (must be tag 06). */
export function readOid(buf: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG.OID) throw new DerError("expected an OBJECT IDENTIFIER");
  return decodeOid(contentOf(buf, tlv));
}

/** Reads a small non-negative INTEGER (up to 2^48). */
export function readSmallInt(buf: Uint8Array, tlv: Tlv): number {
  if (tlv.tag !== TAG.INTEGER) throw new DerError("expected an INTEGER");
  const c = contentOf(buf, tlv);
  if (c.length === 0 || c.length > 6 || (c[0]! & 0x80) !== 0) throw new DerError("INTEGER out of range");
  let v = 0;
  for (const b of c) v = v * 256 + b;
  return v;
}

/** True when `buf` is exactly one well-formed DER element (no trailing bytes). */
export function isSingleDerElement(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  try {
    const tlv = readTlv(buf, 0);
    return tlv.end === buf.length;
  } catch {
    return false;
  }
}

/** Object identifiers identity loading looks at. */
export const OID = {
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  dsa: "1.2.840.10040.4.1",
  mlDsa44: "2.16.840.1.101.3.4.3.17",
  mlDsa65: "2.16.840.1.101.3.4.3.18",
  mlDsa87: "2.16.840.1.101.3.4.3.19",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  scrypt: "1.3.6.1.4.1.11591.4.11",
  hmacWithSHA1: "1.2.840.113549.2.7",
  hmacWithSHA224: "1.2.840.113549.2.8",
  hmacWithSHA256: "1.2.840.113549.2.9",
  hmacWithSHA384: "1.2.840.113549.2.10",
  hmacWithSHA512: "1.2.840.113549.2.11",
  aes128Cbc: "2.16.840.1.101.3.4.1.2",
  aes192Cbc: "2.16.840.1.101.3.4.1.22",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  desEde3Cbc: "1.2.840.113549.3.7",
  pkcs7Data: "1.2.840.113549.1.7.1",
  pkcs7EncryptedData: "1.2.840.113549.1.7.6",
} as const;

/** What a DER blob looks like, from its structure alone. */
export type DerKind = "certificate" | "pkcs8" | "encrypted-pkcs8" | "pkcs1" | "sec1" | "pkcs12" | "unknown";

/**
 * Tells what a DER blob is by its shape: X.509 certificate, PKCS#8
 * PrivateKeyInfo, EncryptedPrivateKeyInfo, PKCS#1 RSAPrivateKey, SEC1
 * ECPrivateKey or PKCS#12 PFX. Never throws.
 */
export function classifyDer(buf: Uint8Array): DerKind {
  try {
    const top = readTlv(buf, 0);
    if (top.tag !== TAG.SEQUENCE) return "unknown";
    const kids = children(buf, top);
    const [a, b, c] = kids;
    if (!a || !b) return "unknown";
    if (a.tag === TAG.SEQUENCE && b.tag === TAG.SEQUENCE && c?.tag === TAG.BIT_STRING && kids.length === 3) {
      return "certificate";
    }
    if (a.tag === TAG.SEQUENCE && b.tag === TAG.OCTET_STRING && kids.length === 2) {
      const alg = children(buf, a);
      if (alg[0]?.tag === TAG.OID) return "encrypted-pkcs8";
      return "unknown";
    }
    if (a.tag !== TAG.INTEGER) return "unknown";
    const version = readSmallInt(buf, a);
    if (b.tag === TAG.SEQUENCE && c?.tag === TAG.OCTET_STRING && (version === 0 || version === 1)) {
      const alg = children(buf, b);
      if (alg[0]?.tag === TAG.OID) return "pkcs8";
    }
    if (version === 3 && b.tag === TAG.SEQUENCE) {
      const ci = children(buf, b);
      if (ci[0]?.tag === TAG.OID && readOid(buf, ci[0]) === OID.pkcs7Data) return "pkcs12";
    }
    if (version === 0 && kids.length >= 9 && kids.every((k) => k.tag === TAG.INTEGER)) return "pkcs1";
    if (version === 1 && b.tag === TAG.OCTET_STRING) return "sec1";
    return "unknown";
  } catch {
    return "unknown";
  }
}

/** The algorithm OID of a PKCS#8 PrivateKeyInfo, or undefined if it is not one. */
export function pkcs8AlgorithmOid(buf: Uint8Array): string | undefined {
  try {
    const kids = children(buf, readTlv(buf, 0));
    const alg = children(buf, kids[1]!);
    return readOid(buf, alg[0]!);
  } catch {
    return undefined;
  }
}

/** The parts of a certificate identity loading needs, read straight from the DER. */
export interface CertificateFields {
  /** The SubjectPublicKeyInfo element, header included. */
  spki: Buffer;
  /** The SPKI algorithm OID. */
  keyAlgorithm: string;
  /** For EC keys, the named curve OID. */
  curve?: string;
  /** The serial number's content octets (two's complement, big-endian). */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
}

/** Decodes a UTCTime (YYMMDDHHMMSSZ, 19xx from 50) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
export function readTime(buf: Uint8Array, tlv: Tlv): Date {
  const text = contentOf(buf, tlv).toString("latin1");
  const m =
    tlv.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text)
        : null;
  if (!m) throw new DerError("malformed time");
  let year = Number(m[1]);
  if (tlv.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Reads serial and SubjectPublicKeyInfo from a certificate's DER. Throws DerError. */
export function certificateFields(buf: Uint8Array): CertificateFields {
  const [tbs] = children(buf, readTlv(buf, 0));
  if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError("no TBSCertificate");
  const fields = children(buf, tbs);
  const rest = fields[0]?.tag === TAG.CONTEXT_0 ? fields.slice(1) : fields;
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const serial = rest[0];
  const validity = rest[3];
  const spki = rest[5];
  if (!serial || serial.tag !== TAG.INTEGER || !spki || spki.tag !== TAG.SEQUENCE || !validity || validity.tag !== TAG.SEQUENCE) {
    throw new DerError("malformed TBSCertificate");
  }
  const [from, to] = children(buf, validity);
  if (!from || !to) throw new DerError("malformed validity");
  const alg = children(buf, children(buf, spki)[0]!);
  const keyAlgorithm = readOid(buf, alg[0]!);
  const out: CertificateFields = {
    spki: encodingOf(buf, spki),
    keyAlgorithm,
    serial: contentOf(buf, serial),
    notBefore: readTime(buf, from),
    notAfter: readTime(buf, to),
  };
  if (keyAlgorithm === OID.ecPublicKey && alg[1]?.tag === TAG.OID) out.curve = readOid(buf, alg[1]);
  return out;
}
