/**
 * The facts of a certificate that doctor checks (version, validity,
 * basicConstraints, keyUsage, signature algorithm, subject), read from its DER.
 * Pure: bytes in, facts out.
 */
import type { X509Certificate } from "node:crypto";
import { children, contentOf, DerError, readOid, readTime, readTlv, TAG, type Tlv } from "../identity/der.js";
import { HASH_BY_OID, RSASSA_PSS_OID, signatureAlgorithmInfo, type SignatureAlgorithmInfo } from "./signature-algorithms.js";

/** keyUsage bit names in bit order (RFC 5280 §4.2.1.3). @internal */
export const KEY_USAGE_NAMES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

/** What doctor knows about one certificate. @internal */
export interface CertFacts {
  /** X.509 version: 1, 2 or 3. */
  version: number;
  /** Serial as lowercase hex of its value, even length. */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** Subject, most specific first: "CN=client,O=Example". "" for an empty subject. */
  subject: string;
  issuer: string;
  /** The first commonName of the subject, if any. */
  commonName?: string;
  /** basicConstraints; undefined when the extension is absent. */
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** keyUsage bit names; undefined when the extension is absent. */
  keyUsage?: string[];
  signatureAlgorithmOid: string;
  /** Undefined for an algorithm doctor does not know. */
  signatureAlgorithm?: SignatureAlgorithmInfo;
}

const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_CN = "2.5.4.3";

/** Short names of the common attribute types, for display. */
const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** Decodes a DirectoryString-ish value (UTF8, Printable, IA5, T61, BMP, Universal). */
function decodeString(buf: Uint8Array, tlv: Tlv): string {
  const c = contentOf(buf, tlv);
  switch (tlv.tag) {
    case 0x1e: {
      // BMPString: UTF-16 big-endian
      const swapped = Buffer.alloc(c.length);
      for (let i = 0; i + 1 < c.length; i += 2) {
        swapped[i] = c[i + 1]!;
        swapped[i + 1] = c[i]!;
      }
      return swapped.toString("utf16le");
    }
    case 0x1c: {
      let s = "";
      for (let i = 0; i + 3 < c.length; i += 4) s += String.fromCodePoint(c.readUInt32BE(i));
      return s;
    }
    case 0x14:
      return c.toString("latin1");
    default:
      return c.toString("utf8");
  }
}

interface NameFacts {
  text: string;
  commonName?: string;
}

/** Reads a Name: RDNs joined most specific first ("CN=a,O=b"), and the first CN. */
function readName(buf: Uint8Array, name: Tlv): NameFacts {
  const rdns: string[] = [];
  let commonName: string | undefined;
  for (const rdn of children(buf, name)) {
    const parts: string[] = [];
    for (const atv of children(buf, rdn)) {
      const [type, value] = children(buf, atv);
      if (!type || !value) throw new DerError("malformed attribute");
      const oid = readOid(buf, type);
      const text = decodeString(buf, value);
      if (oid === OID_CN && commonName === undefined) commonName = text;
      parts.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${text}`);
    }
    rdns.push(parts.join("+"));
  }
  const out: NameFacts = { text: rdns.reverse().join(",") };
  if (commonName !== undefined) out.commonName = commonName;
  return out;
}

function readBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  const c = contentOf(buf, tlv);
  return c.length === 1 && c[0] !== 0;
}

function readBasicConstraints(value: Buffer): { ca: boolean; pathLength?: number } {
  const seq = readTlv(value, 0);
  let ca = false;
  let pathLength: number | undefined;
  for (const el of children(value, seq)) {
    if (el.tag === 0x01) ca = readBoolean(value, el);
    else if (el.tag === TAG.INTEGER) {
      const c = contentOf(value, el);
      pathLength = c.length <= 4 ? c.reduce((n, b) => n * 256 + b, 0) : Number.MAX_SAFE_INTEGER;
    }
  }
  return pathLength === undefined ? { ca } : { ca, pathLength };
}

function readKeyUsage(value: Buffer): string[] {
  const bits = readTlv(value, 0);
  if (bits.tag !== TAG.BIT_STRING) throw new DerError("keyUsage is not a BIT STRING");
  const c = contentOf(value, bits);
  const names: string[] = [];
  KEY_USAGE_NAMES.forEach((name, i) => {
    const byte = c[1 + (i >> 3)];
    if (byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0) names.push(name);
  });
  return names;
}

function serialHexOf(content: Buffer): string {
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  const hex = content.subarray(i).toString("hex");
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

/**
 * Reads the facts doctor checks from a certificate's DER.
 * @throws DerError for DER that is not a well-formed certificate.
 * @internal
 */
export function certFactsFromDer(der: Uint8Array): CertFacts {
  const top = children(der, readTlv(der, 0));
  const [tbs, sigAlg] = top;
  if (!tbs || tbs.tag !== TAG.SEQUENCE || !sigAlg || sigAlg.tag !== TAG.SEQUENCE) throw new DerError("not a certificate");
  const fields = children(der, tbs);
  let version = 1;
  let rest = fields;
  if (fields[0]?.tag === TAG.CONTEXT_0) {
    const [v] = children(der, fields[0]);
    if (!v || v.tag !== TAG.INTEGER) throw new DerError("malformed version");
    version = (contentOf(der, v)[0] ?? 0) + 1;
    rest = fields.slice(1);
  }
  const [serial, , issuer, validity, subject] = rest;
  if (!serial || !issuer || !validity || !subject) throw new DerError("malformed TBSCertificate");
  const [from, to] = children(der, validity);
  if (!from || !to) throw new DerError("malformed validity");
  const subjectFacts = readName(der, subject);

  const algParts = children(der, sigAlg);
  const signatureAlgorithmOid = readOid(der, algParts[0]!);
  let pssHash: string | undefined;
  if (signatureAlgorithmOid === RSASSA_PSS_OID && algParts[1]?.tag === TAG.SEQUENCE) {
    const hashField = children(der, algParts[1]).find((t) => t.tag === TAG.CONTEXT_0);
    if (hashField) {
      const [hashAlg] = children(der, hashField);
      const [hashOid] = hashAlg ? children(der, hashAlg) : [];
      if (hashOid) {
        const oid = readOid(der, hashOid);
        pssHash = HASH_BY_OID[oid] ?? oid;
      }
    }
  }

  const facts: CertFacts = {
    version,
    serialHex: serialHexOf(contentOf(der, serial)),
    notBefore: readTime(der, from),
    notAfter: readTime(der, to),
    subject: subjectFacts.text,
    issuer: readName(der, issuer).text,
    signatureAlgorithmOid,
  };
  if (subjectFacts.commonName !== undefined) facts.commonName = subjectFacts.commonName;
  const alg = signatureAlgorithmInfo(signatureAlgorithmOid, pssHash);
  if (alg) facts.signatureAlgorithm = alg;

  const extensions = rest.find((t) => t.tag === 0xa3);
  if (extensions) {
    const [list] = children(der, extensions);
    for (const ext of list ? children(der, list) : []) {
      const parts = children(der, ext);
      const oid = readOid(der, parts[0]!);
      const valueTlv = parts[parts.length - 1]!;
      if (valueTlv.tag !== TAG.OCTET_STRING) continue;
      const value = Buffer.from(contentOf(der, valueTlv));
      if (oid === OID_BASIC_CONSTRAINTS) facts.basicConstraints = readBasicConstraints(value);
      else if (oid === OID_KEY_USAGE) facts.keyUsage = readKeyUsage(value);
    }
  }
  return facts;
}

/** Facts of a parsed certificate. @internal */
export function certFacts(cert: X509Certificate): CertFacts {
  return certFactsFromDer(cert.raw);
}

/** How a certificate is named in the checklist: its subject, or its serial when the subject is empty. @internal */
export function certName(facts: Pick<CertFacts, "subject" | "serialHex">): string {
  return facts.subject !== "" ? facts.subject : `(empty subject, serial ${facts.serialHex})`;
}
