/**
 * Identity loading: certificate, chain and private key from files, values,
 * env vars, stdin or callbacks, in every common format.
 */
export type { FileIdentitySpec, IdentityInput, IdentityIo, IdentitySpec, KeyType, LoadedIdentity, Pkcs11Input, TokenIdentity, TokenKey, X509Identity } from "./types.js";
export { loadIdentity, loadCertificate, loadCertificates, loadPrivateKey } from "./load.js";
export { keyTypeOf, certificateKeyType, mldsaSupported } from "./key-type.js";
export { serialToDecimal } from "./serial.js";
export { MAX_CHAIN_LENGTH } from "./chain.js";
export { certificateExpiryWarning, EXPIRY_WARNING_DAYS, type CertificateExpiryWarning } from "./expiry.js";
export { promptPasswordOnTty } from "./prompt.js";
export { sourceLabel } from "./sources.js";
