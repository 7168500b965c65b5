import type { KeyObject, X509Certificate } from "node:crypto";

/** Key types the test PKI can make. @public */
export type PkiKeyType = "rsa-2048" | "rsa-3072" | "rsa-4096" | "ec-p256" | "ec-p384" | "ec-p521";

/** Every supported key type, in a stable order. @public */
export const PKI_KEY_TYPES: readonly PkiKeyType[] = ["rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"];

/** Hash of a certificate or CRL signature. @public */
export type SignatureHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** Key usage bits the PKI can set. @public */
export type PkiKeyUsage =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyCertSign"
  | "cRLSign";

/** A certificate made by the PKI, with its private key. TEST USE ONLY. @public */
export interface IssuedCertificate {
  /** The certificate as PEM (one block, trailing newline). */
  certPem: string;
  /** The certificate as DER. */
  certDer: Buffer;
  /** The private key as unencrypted PKCS#8 PEM. */
  keyPem: string;
  privateKey: KeyObject;
  /** Serial as lowercase hex of its minimal positive big-endian bytes, even length (e.g. "01", "00ff" never, "ff" yes). */
  serialHex: string;
  /** Serial in decimal, as used in the SigV4-X509 Credential field. */
  serialDecimal: string;
  /** Subject DN the RFC 4514 way (most specific RDN first, no spaces): "CN=TEST CLIENT,O=Example,C=US". */
  subject: string;
  keyType: PkiKeyType;
  x509: X509Certificate;
}

/**
 * Options of every certificate the PKI makes. Defaults follow the Roles Anywhere
 * rules; the overrides marked "negative tests" make certificates the service must
 * refuse. @public
 */
export interface CertOptions {
  /** Key type of the new key pair. Default `ec-p256`; ignored when `privateKey` is given. */
  keyType?: PkiKeyType;
  /**
   * Subject, RFC 4514 style: "CN=TEST CLIENT,O=Example,C=US" (most specific first; the
   * certificate holds C, O, CN in that order). "" makes an empty subject (negative tests).
   * Default by role: CN=TEST ROOT / CN=TEST INTERMEDIATE / CN=TEST CLIENT.
   */
  subject?: string;
  /** Serial: a bigint, or a hex string ("0x" prefix and ":" separators allowed). Must be positive, at most 20 bytes. Default: 16 random bytes. */
  serial?: bigint | string;
  /** Default: `now` − 5 minutes. */
  notBefore?: Date;
  /** Default: `now` + 365 days for a client, + 10 years for a CA. */
  notAfter?: Date;
  /** The time the defaults are counted from. Default: the current time. */
  now?: Date;
  /** Use this key pair instead of making one (the public key is derived from it). */
  privateKey?: KeyObject;
  /**
   * Hash of the issuer's signature. Default: SHA-256, or SHA-384 when the issuer key is P-384 and
   * SHA-512 when it is P-521. RSA always signs with PKCS#1 v1.5. SHA-1 is for negative tests only.
   */
  signatureHash?: SignatureHash;
  /** Negative tests: basicConstraints CA flag (default: true for CAs, false for a client). */
  ca?: boolean;
  /** Key usages (critical). Default: digitalSignature (client); keyCertSign, cRLSign, digitalSignature (CA). `null` omits the extension. */
  keyUsages?: readonly PkiKeyUsage[] | null;
  /** subjectAltName DNS names. */
  sanDns?: readonly string[];
  /** subjectAltName URIs. */
  sanUri?: readonly string[];
  /** basicConstraints pathLenConstraint of a CA. Default: none. */
  pathLength?: number;
}

/** Options of a CRL. @public */
export interface CrlOptions {
  /** Default: the current time. */
  thisUpdate?: Date;
  /** Default: thisUpdate + 30 days. */
  nextUpdate?: Date;
  /** The cRLNumber extension. Default 1. */
  crlNumber?: bigint | number;
  /** Default: as for certificates, from the issuer's key. */
  signatureHash?: SignatureHash;
}

/** One revoked certificate in a CRL. @public */
export interface RevokedEntry {
  /** Serial as hex (as in IssuedCertificate.serialHex). */
  serialHex: string;
  /** Revocation date. Default: the CRL's thisUpdate. */
  date?: Date;
}
