/**
 * Certificate signature algorithms by OID, with the hash each one uses, so
 * doctor can tell "SHA-256 or stronger" from MD5/SHA-1. Pure data.
 */

/** A certificate signature algorithm as doctor judges it. @internal */
export interface SignatureAlgorithmInfo {
  /** A readable name, e.g. "sha256WithRSAEncryption". */
  name: string;
  /** The hash, e.g. "SHA-256"; for algorithms with no separate hash, what they use internally. */
  hash: string;
  /** True for MD2/MD5/SHA-1/SHA-224: IAM Roles Anywhere wants SHA-256 or stronger. */
  weak: boolean;
}

const WEAK = new Set(["MD2", "MD5", "SHA-1", "SHA-224", "SHA3-224"]);

function info(name: string, hash: string): SignatureAlgorithmInfo {
  return { name, hash, weak: WEAK.has(hash) };
}

const BY_OID: Record<string, SignatureAlgorithmInfo> = {
  "1.2.840.113549.1.1.2": info("md2WithRSAEncryption", "MD2"),
  "1.2.840.113549.1.1.4": info("md5WithRSAEncryption", "MD5"),
  "1.2.840.113549.1.1.5": info("sha1WithRSAEncryption", "SHA-1"),
  "1.3.14.3.2.29": info("sha1WithRSASignature", "SHA-1"),
  "1.2.840.113549.1.1.14": info("sha224WithRSAEncryption", "SHA-224"),
  "1.2.840.113549.1.1.11": info("sha256WithRSAEncryption", "SHA-256"),
  "1.2.840.113549.1.1.12": info("sha384WithRSAEncryption", "SHA-384"),
  "1.2.840.113549.1.1.13": info("sha512WithRSAEncryption", "SHA-512"),
  "1.2.840.10045.4.1": info("ecdsa-with-SHA1", "SHA-1"),
  "1.2.840.10045.4.3.1": info("ecdsa-with-SHA224", "SHA-224"),
  "1.2.840.10045.4.3.2": info("ecdsa-with-SHA256", "SHA-256"),
  "1.2.840.10045.4.3.3": info("ecdsa-with-SHA384", "SHA-384"),
  "1.2.840.10045.4.3.4": info("ecdsa-with-SHA512", "SHA-512"),
  "1.2.840.10040.4.3": info("dsa-with-SHA1", "SHA-1"),
  "2.16.840.1.101.3.4.3.1": info("dsa-with-SHA224", "SHA-224"),
  "2.16.840.1.101.3.4.3.2": info("dsa-with-SHA256", "SHA-256"),
  "2.16.840.1.101.3.4.3.9": info("ecdsa-with-SHA3-224", "SHA3-224"),
  "2.16.840.1.101.3.4.3.10": info("ecdsa-with-SHA3-256", "SHA3-256"),
  "2.16.840.1.101.3.4.3.11": info("ecdsa-with-SHA3-384", "SHA3-384"),
  "2.16.840.1.101.3.4.3.12": info("ecdsa-with-SHA3-512", "SHA3-512"),
  "2.16.840.1.101.3.4.3.13": info("RSA-with-SHA3-224", "SHA3-224"),
  "2.16.840.1.101.3.4.3.14": info("RSA-with-SHA3-256", "SHA3-256"),
  "2.16.840.1.101.3.4.3.15": info("RSA-with-SHA3-384", "SHA3-384"),
  "2.16.840.1.101.3.4.3.16": info("RSA-with-SHA3-512", "SHA3-512"),
  "1.3.101.112": info("Ed25519", "SHA-512"),
  "1.3.101.113": info("Ed448", "SHAKE256"),
  "2.16.840.1.101.3.4.3.17": info("ML-DSA-44", "SHAKE256"),
  "2.16.840.1.101.3.4.3.18": info("ML-DSA-65", "SHAKE256"),
  "2.16.840.1.101.3.4.3.19": info("ML-DSA-87", "SHAKE256"),
};

/** The OID of RSASSA-PSS, whose hash is in its parameters. @internal */
export const RSASSA_PSS_OID = "1.2.840.113549.1.1.10";

/** Hash algorithm OIDs (for RSASSA-PSS parameters). @internal */
export const HASH_BY_OID: Record<string, string> = {
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.4": "SHA-224",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
  "2.16.840.1.101.3.4.2.8": "SHA3-256",
  "2.16.840.1.101.3.4.2.9": "SHA3-384",
  "2.16.840.1.101.3.4.2.10": "SHA3-512",
};

/**
 * The signature algorithm of `oid`; for RSASSA-PSS `pssHash` is the hash named
 * in its parameters (SHA-1 when they are absent, per RFC 4055). Undefined for
 * an OID this table does not know.
 * @internal
 */
export function signatureAlgorithmInfo(oid: string, pssHash?: string): SignatureAlgorithmInfo | undefined {
  if (oid === RSASSA_PSS_OID) return info(`RSASSA-PSS with ${pssHash ?? "SHA-1"}`, pssHash ?? "SHA-1");
  return BY_OID[oid];
}
