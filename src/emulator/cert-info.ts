import "reflect-metadata";
import { createPublicKey, X509Certificate as NodeX509, type KeyObject } from "node:crypto";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, Name, X509Certificate } from "@peculiar/x509";
import * as pkijs from "pkijs";

/** Key families the emulator recognises on a certificate. @internal */
export type CertKeyType = "RSA" | "EC" | "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87" | "OTHER";

/** Everything the emulator needs to know about one certificate, parsed once. @internal */
export interface CertInfo {
  /** Unique to this parse within the process: identifies these exact DER bytes in cache keys without hashing them. */
  id: number;
  der: Buffer;
  x509: X509Certificate;
  /** 1, 2 or 3. */
  version: number;
  /** Uppercase hex of the serial value, no leading zeros ("0" for zero). */
  serialHex: string;
  serialDecimal: string;
  /** Subject DN, RFC 4514 style: most specific RDN first, "," between RDNs ("CN=client,O=Example,C=US"). */
  subject: string;
  /** Issuer DN, same style. */
  issuer: string;
  commonName?: string;
  notBefore: number;
  notAfter: number;
  /** basicConstraints cA; undefined when the extension is absent. */
  ca?: boolean;
  pathLength?: number;
  /** keyUsage bits (KeyUsageFlags); undefined when the extension is absent. */
  keyUsage?: number;
  signatureAlgorithmOid: string;
  /** A readable name of the certificate's signature algorithm. */
  signatureAlgorithmName: string;
  /** The signature algorithm uses SHA-256 or stronger (or a hash-free modern scheme). */
  signatureHashStrong: boolean;
  keyType: CertKeyType;
  /** RSA modulus bits, or the EC curve name (P-256, P-384, P-521, other). */
  keyDetail: string;
  /** The node:crypto public key; undefined when this Node.js cannot load it (e.g. ML-DSA on Node 20). */
  publicKey?: KeyObject;
}

const SIG_ALGS: Record<string, { name: string; strong: boolean }> = {
  "1.2.840.113549.1.1.2": { name: "md2WithRSAEncryption", strong: false },
  "1.2.840.113549.1.1.4": { name: "md5WithRSAEncryption", strong: false },
  "1.2.840.113549.1.1.5": { name: "sha1WithRSAEncryption", strong: false },
  "1.2.840.113549.1.1.14": { name: "sha224WithRSAEncryption", strong: false },
  "1.2.840.113549.1.1.11": { name: "sha256WithRSAEncryption", strong: true },
  "1.2.840.113549.1.1.12": { name: "sha384WithRSAEncryption", strong: true },
  "1.2.840.113549.1.1.13": { name: "sha512WithRSAEncryption", strong: true },
  "1.2.840.10045.4.1": { name: "ecdsa-with-SHA1", strong: false },
  "1.2.840.10045.4.3.1": { name: "ecdsa-with-SHA224", strong: false },
  "1.2.840.10045.4.3.2": { name: "ecdsa-with-SHA256", strong: true },
  "1.2.840.10045.4.3.3": { name: "ecdsa-with-SHA384", strong: true },
  "1.2.840.10045.4.3.4": { name: "ecdsa-with-SHA512", strong: true },
  "1.2.840.10040.4.3": { name: "dsa-with-SHA1", strong: false },
  "2.16.840.1.101.3.4.3.17": { name: "ML-DSA-44", strong: true },
  "2.16.840.1.101.3.4.3.18": { name: "ML-DSA-65", strong: true },
  "2.16.840.1.101.3.4.3.19": { name: "ML-DSA-87", strong: true },
  "1.3.101.112": { name: "Ed25519", strong: true },
  "1.3.101.113": { name: "Ed448", strong: true },
};
const RSASSA_PSS = "1.2.840.113549.1.1.10";
const STRONG_HASHES: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};
const SPKI_ALGS: Record<string, CertKeyType> = {
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.10045.2.1": "EC",
  "2.16.840.1.101.3.4.3.17": "ML-DSA-44",
  "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
  "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
};
const CURVES: Record<string, string> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

function signatureAlgorithm(cert: pkijs.Certificate): { oid: string; name: string; strong: boolean } {
  const oid = cert.signatureAlgorithm.algorithmId;
  if (oid === RSASSA_PSS) {
    let hashOid = "1.3.14.3.2.26"; // RFC 4055 default: SHA-1
    try {
      const params = new pkijs.RSASSAPSSParams({ schema: cert.signatureAlgorithm.algorithmParams });
      hashOid = params.hashAlgorithm.algorithmId;
    } catch {
      // absent or unreadable parameters: the SHA-1 default applies
    }
    const hash = STRONG_HASHES[hashOid];
    return { oid, name: `RSASSA-PSS(${hash ?? hashOid})`, strong: hash !== undefined };
  }
  const known = SIG_ALGS[oid];
  return { oid, name: known?.name ?? oid, strong: known?.strong ?? false };
}

/** RFC 4514 string of a name: RDNs in reverse certificate order, joined with ",". @internal */
export function rfc4514(name: Name): string {
  return name
    .toJSON()
    .slice()
    .reverse()
    .map((rdn) => new Name([rdn]).toString())
    .join(",");
}

function stripHex(hex: string): string {
  const s = hex.toUpperCase().replace(/^0+/, "");
  return s === "" ? "0" : s;
}

/** Source of CertInfo.id. */
let nextId = 1;

/**
 * Parses a DER certificate into the facts the emulator checks. Throws when the
 * bytes are not a certificate. Pure apart from parsing; callers cache the result.
 * @internal
 */
export function parseCertInfo(der: Buffer): CertInfo {
  const pk = pkijs.Certificate.fromBER(der);
  const x509 = new X509Certificate(der);
  const sig = signatureAlgorithm(pk);
  const serialRaw = x509.serialNumber;
  const serialHex = stripHex(serialRaw);
  const bc = x509.getExtension(BasicConstraintsExtension);
  const ku = x509.getExtension(KeyUsagesExtension);
  const spkiOid = pk.subjectPublicKeyInfo.algorithm.algorithmId;
  const keyType: CertKeyType = SPKI_ALGS[spkiOid] ?? "OTHER";
  let publicKey: KeyObject | undefined;
  try {
    publicKey = new NodeX509(der).publicKey;
  } catch {
    try {
      publicKey = createPublicKey({ key: Buffer.from(x509.publicKey.rawData), format: "der", type: "spki" });
    } catch {
      publicKey = undefined;
    }
  }
  let keyDetail = keyType === "OTHER" ? spkiOid : keyType;
  const details = publicKey?.asymmetricKeyDetails;
  if (keyType === "RSA" && details?.modulusLength) keyDetail = String(details.modulusLength);
  if (keyType === "EC") keyDetail = CURVES[details?.namedCurve ?? ""] ?? details?.namedCurve ?? "unknown curve";
  const cn = x509.subjectName.getField("CN")[0];
  const info: CertInfo = {
    id: nextId++,
    der,
    x509,
    version: pk.version + 1,
    serialHex,
    serialDecimal: BigInt("0x" + serialHex).toString(10),
    subject: rfc4514(x509.subjectName),
    issuer: rfc4514(x509.issuerName),
    notBefore: x509.notBefore.getTime(),
    notAfter: x509.notAfter.getTime(),
    signatureAlgorithmOid: sig.oid,
    signatureAlgorithmName: sig.name,
    signatureHashStrong: sig.strong,
    keyType,
    keyDetail,
  };
  if (cn !== undefined) info.commonName = cn;
  if (bc) {
    info.ca = bc.ca;
    if (bc.pathLength !== undefined) info.pathLength = bc.pathLength;
  }
  if (ku) info.keyUsage = ku.usages;
  if (publicKey) info.publicKey = publicKey;
  return info;
}

export { KeyUsageFlags };
