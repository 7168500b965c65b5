/**
 * SigV4-X509 signing for Roles Anywhere: pure canonicalization pieces, a Signer
 * over node:crypto keys, signRequest() composing them, and the sign-string and
 * read-certificate-data helpers.
 * @packageDocumentation
 */
export type { Signer, SigningAlgorithm, SignRequestInput, SignedRequest } from "./types.js";
export {
  ALGORITHM_ECDSA,
  ALGORITHM_MLDSA,
  ALGORITHM_RSA,
  HEADER_AMZ_DATE,
  HEADER_AUTHORIZATION,
  HEADER_HOST,
  HEADER_X509,
  HEADER_X509_CHAIN,
  SIGNING_SERVICE,
} from "./constants.js";
export { formatAmzDate, shortDate } from "./amz-date.js";
export {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  encodeRfc3986,
  signedHeadersList,
  trimAll,
  type CanonicalRequestInput,
  type QueryParams,
} from "./canonical-request.js";
export { credentialScope, stringToSign } from "./string-to-sign.js";
export { authorizationHeader, type AuthorizationParts } from "./authorization.js";
export { createIdentitySigner, createKeySigner, createTokenSigner, signingAlgorithmFor } from "./key-signer.js";
export { debugLines, signRequest } from "./sign-request.js";
export {
  SIGN_STRING_DIGESTS,
  SIGN_STRING_FORMATS,
  SIGN_STRING_TEXT,
  SIGN_STRING_VERSION,
  formatSignature,
  signTestMessage,
  testMessage,
  testMessagePublicKeyBytes,
  type SignStringDigest,
  type SignStringFormat,
} from "./sign-string.js";
export {
  certificateData,
  certificateDataJson,
  supportedAlgorithms,
  type CertificateData,
} from "./certificate-data.js";
export { sha256Hex } from "./hash.js";
