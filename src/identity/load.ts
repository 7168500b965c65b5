/**
 * Identity loading: certificate + key + chain from any source and format into
 * an X509Identity ready to sign with. Called again at every refresh, so rotated
 * files and secrets are picked up.
 */
import { createPublicKey, type KeyObject, type X509Certificate } from "node:crypto";
import { UsageError } from "../errors.js";
import type { FileIdentitySpec, IdentityInput, IdentityIo, IdentitySpec, KeyType, LoadedIdentity, Pkcs11Input, X509Identity } from "./types.js";
import { classifyDer, isSingleDerElement } from "./der.js";
import { parsePem, sniff, type PemBlock } from "./pem.js";
import { describe, fail, type Origin } from "./fail.js";
import { resolvePassword, resolveSource, type Resolved } from "./sources.js";
import { keyFromBlock, keyFromDer, isPrivateKeyLabel, parsePrivateKey, pickKeyBlock, type LoadedKey, type PasswordSource } from "./private-key.js";
import { isCertificateLabel, parseCertificateDer, type LoadedCertificate } from "./certificate.js";
import { selectLeaf } from "./chain.js";
import { serialToDecimal } from "./serial.js";

/** Asks io.promptPassword, if there is one; an empty answer counts as none. */
function asker(io: IdentityIo): PasswordSource {
  return async (origin) => {
    if (!io.promptPassword) return undefined;
    const answer = await io.promptPassword(describe(origin));
    return answer === "" ? undefined : answer;
  };
}

/** The given password if any, else asks. */
function passwordSource(given: string | undefined, io: IdentityIo): PasswordSource {
  const ask = asker(io);
  return async (origin) => given ?? ask(origin);
}

/** The public key as SPKI DER, normalised by a round trip through OpenSSL when it can read it. */
function normalizedSpki(spki: Buffer): Buffer {
  try {
    return createPublicKey({ key: spki, format: "der", type: "spki" }).export({ format: "der", type: "spki" });
  } catch {
    return spki;
  }
}

/**
 * Whether `key` is the private key of certificate `c`. OpenSSL's own check
 * (X509_check_private_key, one call) first: comparing exported public keys
 * costs about a millisecond per certificate on a cold start. Where OpenSSL
 * cannot compare the key types, the normalised SubjectPublicKeyInfo bytes are.
 */
function keyHolder(key: KeyObject): (c: LoadedCertificate) => boolean {
  let keySpki: Buffer | undefined;
  return (c) => {
    try {
      return c.certificate.checkPrivateKey(key);
    } catch {
      keySpki ??= createPublicKey(key).export({ format: "der", type: "spki" });
      return normalizedSpki(c.fields.spki).equals(keySpki);
    }
  };
}

/** What the certificate source turned out to hold. */
type CertificateSource =
  | { kind: "pem"; blocks: PemBlock[] }
  | { kind: "der"; der: Buffer }
  | { kind: "pkcs12"; der: Buffer };

function readCertificateSource(resolved: Resolved): CertificateSource {
  const { bytes, origin } = resolved;
  const sniffed = sniff(bytes);
  if (sniffed.encoding === "pem") return { kind: "pem", blocks: parsePem(sniffed.text, origin) };
  if (sniffed.encoding === "der") {
    const kind = classifyDer(sniffed.der);
    if (kind === "certificate") return { kind: "der", der: sniffed.der };
    // Like the official helper, binary that is not a certificate is tried as PKCS#12 (some writers use BER).
    if (kind === "pkcs12" || (kind === "unknown" && !isSingleDerElement(sniffed.der))) return { kind: "pkcs12", der: sniffed.der };
    if (kind === "unknown") {
      throw fail("CERTIFICATE_PARSE", origin, "is DER but neither a certificate nor a PKCS#12 file", {
        hint: "give a PEM or DER certificate, or a PKCS#12 (.p12/.pfx) file",
      });
    }
    throw fail("CERTIFICATE_PARSE", origin, "holds a private key, not a certificate", {
      hint: "pass the certificate here and the key as --private-key",
    });
  }
  throw fail("CERTIFICATE_PARSE", origin, "could not parse the certificate: it is neither PEM nor DER", {
    hint: "give a PEM certificate (-----BEGIN CERTIFICATE-----), DER, base64 DER or a PKCS#12 file",
  });
}

function certificatesFromBlocks(blocks: PemBlock[], origin: Origin): LoadedCertificate[] {
  const certBlocks = blocks.filter((b) => isCertificateLabel(b.label));
  if (certBlocks.length === 0) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw fail("CERTIFICATE_PARSE", origin, blocks.length ? `holds no certificate (found: ${found})` : "no PEM block found", {
      hint: "give the file that holds the certificate (-----BEGIN CERTIFICATE-----)",
    });
  }
  return certBlocks.map((b, i) => parseCertificateDer(b.der, origin, certBlocks.length > 1 ? i + 1 : undefined));
}

/**
 * Loads a complete identity: the leaf certificate, its chain and the private
 * key. `spec.certificate` may be a PEM or DER certificate, a fullchain PEM (leaf
 * anywhere in it: the leaf is the one matching the key), a PEM holding both key
 * and certificate (then no `privateKey`), or a PKCS#12 file (then neither
 * `privateKey` nor `intermediates`). Encrypted keys use `spec.passphrase`, else
 * `io.promptPassword`.
 *
 * Throws IdentityError (codes SOURCE_NOT_FOUND, SOURCE_UNREADABLE,
 * CERTIFICATE_PARSE, KEY_PARSE, KEY_DECRYPT, PASSWORD_REQUIRED,
 * CERTIFICATE_KEY_MISMATCH, UNSUPPORTED_KEY_TYPE, UNSUPPORTED_ON_THIS_NODE,
 * CHAIN_TOO_LONG, PKCS12, PKCS11) or UsageError (conflicting or missing inputs).
 * A `{ pkcs11: uri }` certificate or key gives a TokenIdentity (the key stays
 * on the token; src/identity/pkcs11/).
 * @public
 */
export async function loadIdentity(spec: FileIdentitySpec, io?: IdentityIo): Promise<X509Identity>;
export async function loadIdentity(spec: IdentitySpec, io?: IdentityIo): Promise<LoadedIdentity>;
export async function loadIdentity(spec: IdentitySpec, io: IdentityIo = {}): Promise<LoadedIdentity> {
  if (isPkcs11(spec.certificate) || isPkcs11(spec.privateKey)) {
    // Loaded only for keys on tokens: the binding is native and optional.
    const { loadPkcs11Identity } = await import("./pkcs11/identity.js");
    return loadPkcs11Identity(spec, io);
  }
  const resolved = await resolveSource(spec.certificate, "certificate", io);
  return assemble(resolved, spec as SoftwareSpec, io);
}

/** Whether an input names a PKCS#11 object (`{ pkcs11: uri }`). */
function isPkcs11(input: IdentityInput | Pkcs11Input | undefined): input is Pkcs11Input {
  return typeof input === "object" && input !== null && !(input instanceof Uint8Array) && typeof (input as Pkcs11Input).pkcs11 === "string";
}

type SoftwareSpec = Omit<FileIdentitySpec, "certificate">;

async function assemble(resolved: Resolved, spec: SoftwareSpec, io: IdentityIo): Promise<X509Identity> {
  const given = await resolvePassword(spec.passphrase, io);
  const password = passwordSource(given, io);
  const origin = resolved.origin;
  const source = readCertificateSource(resolved);

  let certificates: LoadedCertificate[];
  let key: LoadedKey;
  let keyLabel = origin.label;
  if (source.kind === "pkcs12") {
    if (spec.intermediates !== undefined) {
      throw new UsageError(`${describe(origin)}: a PKCS#12 file carries its own chain, so intermediates cannot be given with it`, {
        hint: "leave out --intermediates, or convert the PKCS#12 file to PEM ('openssl pkcs12 -nodes') and give certificate, key and intermediates",
      });
    }
    if (spec.privateKey !== undefined) {
      throw new UsageError(`${describe(origin)}: a PKCS#12 file holds its own private key, so a private key cannot be given with it`, {
        hint: "leave out --private-key",
      });
    }
    // Loaded only for PKCS#12 files: most identities are PEM, and every module costs start-up time.
    const { openPkcs12 } = await import("./pkcs12.js");
    const contents = await openPkcs12(source.der, origin, given, asker(io));
    const keyOrigin: Origin = { what: "private key", label: origin.label };
    key = await keyFromDer(contents.keys[0]!, "pkcs8", keyOrigin, password);
    certificates = contents.certificates.map((der, i) => parseCertificateDer(der, origin, contents.certificates.length > 1 ? i + 1 : undefined));
  } else {
    certificates = source.kind === "pem" ? certificatesFromBlocks(source.blocks, origin) : [parseCertificateDer(source.der, origin)];
    if (spec.privateKey !== undefined) {
      const keySource = await resolveSource(spec.privateKey, "private key", io);
      keyLabel = keySource.origin.label;
      key = await parsePrivateKey(keySource.bytes, keySource.origin, password);
    } else if (source.kind === "pem" && source.blocks.some((b) => isPrivateKeyLabel(b.label))) {
      const keyOrigin: Origin = { what: "private key", label: origin.label };
      key = await keyFromBlock(pickKeyBlock(source.blocks, keyOrigin), keyOrigin, password);
    } else {
      throw new UsageError(`private key: none given, and ${describe(origin)} holds no private key`, {
        hint: "pass --private-key (privateKey in the library), or a PEM file holding both key and certificate, or a PKCS#12 file",
      });
    }
  }

  const intermediates = spec.intermediates !== undefined ? await loadCertificateList(spec.intermediates, io) : [];
  const { leaf: leafCert, chain } = selectLeaf(certificates, keyHolder(key.key), intermediates, {
    certificates: origin.label,
    privateKey: keyLabel,
  });
  return {
    certificate: leafCert.certificate,
    certificateDer: leafCert.der,
    chainDer: chain,
    privateKey: key.key,
    keyType: key.keyType,
    serialDecimal: serialToDecimal(leafCert.certificate.serialNumber),
  };
}

/**
 * Loads one certificate: the first CERTIFICATE block of a PEM source (other
 * blocks are ignored, as `read-certificate-data` does), a DER certificate, or
 * the leaf of a PKCS#12 file (opened with `passphrase`, else the empty password
 * or `io.promptPassword`). Throws IdentityError (CERTIFICATE_PARSE, …).
 * @public
 */
export async function loadCertificate(
  input: IdentityInput,
  io: IdentityIo = {},
  passphrase?: IdentityInput,
): Promise<{ certificate: X509Certificate; der: Buffer }> {
  const resolved = await resolveSource(input, "certificate", io);
  const source = readCertificateSource(resolved);
  if (source.kind === "pkcs12") {
    const identity = await assemble(resolved, passphrase !== undefined ? { passphrase } : {}, io);
    return { certificate: identity.certificate, der: identity.certificateDer };
  }
  if (source.kind === "der") {
    const { certificate, der } = parseCertificateDer(source.der, resolved.origin);
    return { certificate, der };
  }
  const first = source.blocks.find((b) => isCertificateLabel(b.label));
  const { certificate, der } = certificatesFromBlocks(first ? [first] : source.blocks, resolved.origin)[0]!;
  return { certificate, der };
}

async function loadCertificateList(input: IdentityInput, io: IdentityIo): Promise<LoadedCertificate[]> {
  const { bytes, origin } = await resolveSource(input, "intermediates", io);
  const sniffed = sniff(bytes);
  if (sniffed.encoding === "der") {
    if (classifyDer(sniffed.der) !== "certificate") {
      throw fail("CERTIFICATE_PARSE", origin, "is DER but not a certificate", { hint: "give a PEM bundle of CERTIFICATE blocks or one DER certificate" });
    }
    return [parseCertificateDer(sniffed.der, origin)];
  }
  if (sniffed.encoding !== "pem") {
    throw fail("CERTIFICATE_PARSE", origin, "could not parse the certificates: neither PEM nor DER", {
      hint: "give a PEM bundle of CERTIFICATE blocks or one DER certificate",
    });
  }
  const blocks = parsePem(sniffed.text, origin);
  if (blocks.length === 0) {
    throw fail("CERTIFICATE_PARSE", origin, "no PEM block found", { hint: "give a PEM bundle of CERTIFICATE blocks" });
  }
  const other = blocks.findIndex((b) => !isCertificateLabel(b.label));
  if (other !== -1) {
    throw fail("CERTIFICATE_PARSE", origin, `invalid certificate chain: block #${other + 1} is ${blocks[other]!.label}, not CERTIFICATE`, {
      hint: "an intermediates bundle holds CERTIFICATE blocks only: remove the other blocks",
    });
  }
  return blocks.map((b, i) => parseCertificateDer(b.der, origin, blocks.length > 1 ? i + 1 : undefined));
}

/**
 * Loads every certificate of a bundle (for intermediates): PEM where every
 * block must be a CERTIFICATE, or one DER certificate. Throws IdentityError
 * CERTIFICATE_PARSE otherwise.
 * @public
 */
export async function loadCertificates(input: IdentityInput, io: IdentityIo = {}): Promise<{ certificate: X509Certificate; der: Buffer }[]> {
  return (await loadCertificateList(input, io)).map(({ certificate, der }) => ({ certificate, der }));
}

/**
 * Loads a private key (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1; PEM, DER or
 * base64 DER). `passphrase` opens an encrypted key; without it
 * `io.promptPassword` is asked. Throws IdentityError (KEY_PARSE, KEY_DECRYPT,
 * PASSWORD_REQUIRED, UNSUPPORTED_KEY_TYPE, UNSUPPORTED_ON_THIS_NODE, …).
 * @public
 */
export async function loadPrivateKey(
  input: IdentityInput,
  passphrase?: IdentityInput,
  io: IdentityIo = {},
): Promise<{ key: KeyObject; keyType: KeyType }> {
  const given = await resolvePassword(passphrase, io);
  const { bytes, origin } = await resolveSource(input, "private key", io);
  return parsePrivateKey(bytes, origin, passwordSource(given, io));
}
