import type { SigningAlgorithm } from "./types.js";

/** What the Authorization header is made of. @public */
export interface AuthorizationParts {
  algorithm: SigningAlgorithm;
  /** The leaf certificate's serial number in decimal, no leading zeros. */
  serialDecimal: string;
  /** The credential scope, see credentialScope(). */
  scope: string;
  /** The SignedHeaders value, names joined with `;`. */
  signedHeaders: string;
  /** Lowercase hex of the signature bytes. */
  signatureHex: string;
}

/**
 * The Authorization header value:
 * `<algorithm> Credential=<serial>/<scope>, SignedHeaders=<list>, Signature=<hex>`.
 * @public
 */
export function authorizationHeader(parts: AuthorizationParts): string {
  return (
    `${parts.algorithm} Credential=${parts.serialDecimal}/${parts.scope}, ` +
    `SignedHeaders=${parts.signedHeaders}, Signature=${parts.signatureHex}`
  );
}
