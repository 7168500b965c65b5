/**
 * A small private PKI for trying and testing Roles Anywhere: root and
 * intermediate CAs, client certificates and CRLs that meet the service's rules
 * (v3, CA flags and key usages, SHA-256 or stronger, RSA with PKCS#1 v1.5).
 * Keys made here are for tests and demos only.
 * @packageDocumentation
 */
import "./x509-runtime.js";

export type { CertOptions, CrlOptions, IssuedCertificate, PkiKeyType, PkiKeyUsage, RevokedEntry, SignatureHash } from "./options.js";
export { PKI_KEY_TYPES } from "./options.js";
export { createIntermediateCa, createRootCa, issueClientCertificate } from "./issue-certificate.js";
export { createCrl } from "./crl.js";
export { generateKeyPair, generateKeyPairAsync, keyTypeOf } from "./keys.js";
export { normalizeSerial } from "./serial.js";
/** Decimal form of a hex serial, as in the SigV4-X509 Credential field (the one helper, identity's serialToDecimal). @public */
export { serialToDecimal as serialHexToDecimal } from "../identity/serial.js";
/** Encodes DER bytes as one PEM block (64-column base64, LF line ends, trailing newline): identity's encoder. @public */
export { toPem } from "../identity/pem.js";
export type { CredentialProcessData, CredentialProcessDataKeyType, PkiFile } from "./credential-process-data.js";
export { CREDENTIAL_PROCESS_DATA_KEY_TYPES, credentialProcessDataFileNames, makeCredentialProcessData } from "./credential-process-data.js";
export type { FileToWrite, WriteOptions } from "./write-files.js";
export { FilesExistError, prepareToWrite, writeFilesAtomically } from "./write-files.js";
