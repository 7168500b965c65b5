/** SigV4-X509 algorithm identifiers. @public */
export type SigningAlgorithm = "AWS4-X509-RSA-SHA256" | "AWS4-X509-ECDSA-SHA256" | "AWS4-X509-MLDSA";

/**
 * Anything that can sign the string to sign: a file key today, a hardware key
 * (PKCS#11, TPM, KMS) later. `sign` receives the message bytes and hashes
 * internally (SHA-256 for RSA/ECDSA; none for ML-DSA). ECDSA output is DER.
 * @public
 */
export interface Signer {
  readonly algorithm: SigningAlgorithm;
  sign(message: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** Input of signRequest (src/signer/sign-request.ts). @public */
export interface SignRequestInput {
  method: string;
  /** host[:port] exactly as sent in the Host header. */
  host: string;
  /** Canonical path, "/sessions" for CreateSession. */
  path: string;
  /** Query parameters, un-encoded values (the signer encodes them, RFC 3986). */
  query: Record<string, string>;
  /** Extra headers to send and sign (e.g. content-type). */
  headers: Record<string, string>;
  body: string | Uint8Array;
  region: string;
  certificateDer: Uint8Array;
  chainDer?: Uint8Array[];
  serialDecimal: string;
  signer: Signer;
  /** The signing time: passed in, never read inside the pure functions. */
  signingDate: Date;
}

/** What signRequest returns. @public */
export interface SignedRequest {
  /** Every header to send: host, content-type, x-amz-date, x-amz-x509, x-amz-x509-chain (if any), authorization. */
  headers: Record<string, string>;
  /** The canonical query string, to append to the path on the wire so the wire matches what was signed. */
  canonicalQuery: string;
  canonicalRequest: string;
  stringToSign: string;
}
