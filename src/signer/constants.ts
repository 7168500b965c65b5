import type { SigningAlgorithm } from "./types.js";

/** Algorithm id for RSA keys (RSASSA-PKCS1-v1_5 with SHA-256). @public */
export const ALGORITHM_RSA: SigningAlgorithm = "AWS4-X509-RSA-SHA256";
/** Algorithm id for EC keys of any curve (ECDSA with SHA-256, DER signature). @public */
export const ALGORITHM_ECDSA: SigningAlgorithm = "AWS4-X509-ECDSA-SHA256";
/** Algorithm id for ML-DSA-44/65/87 keys (pure ML-DSA over the message, empty context). @public */
export const ALGORITHM_MLDSA: SigningAlgorithm = "AWS4-X509-MLDSA";

/** The service name in the credential scope. @public */
export const SIGNING_SERVICE = "rolesanywhere";
/** The last element of the credential scope. @public */
export const SCOPE_TERMINATOR = "aws4_request";

/** Header names, lowercase as they are signed. @public */
export const HEADER_HOST = "host";
/** @public */
export const HEADER_AMZ_DATE = "x-amz-date";
/** @public */
export const HEADER_X509 = "x-amz-x509";
/** @public */
export const HEADER_X509_CHAIN = "x-amz-x509-chain";
/** @public */
export const HEADER_AUTHORIZATION = "authorization";

/**
 * Headers sent but never signed: the three the official helper skips, plus
 * hop-by-hop headers a proxy or the HTTP client may rewrite.
 * @internal
 */
export const UNSIGNED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "user-agent",
  "x-amzn-trace-id",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);
