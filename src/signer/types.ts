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
