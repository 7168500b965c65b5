/**
 * Private key bytes → KeyObject: PKCS#8, encrypted PKCS#8 (PBES2), PKCS#1,
 * SEC1 (also after an EC PARAMETERS block), legacy PEM encryption, as PEM,
 * DER or base64 DER text. Decryption is node:crypto's own.
 * @internal
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import type { KeyType } from "./types.js";
import { classifyDer, pkcs8AlgorithmOid, type DerKind } from "./der.js";
import { parsePem, sniff, toPem, type PemBlock } from "./pem.js";
import { fail, PASSWORD_HINT, type Origin } from "./fail.js";
import { checkKeyType, mldsaSupported, mldsaTypeOfOid, mldsaUnsupported } from "./key-type.js";

/** A usable private key and its type. */
export interface LoadedKey {
  key: KeyObject;
  keyType: KeyType;
}

/** Gives the password for an encrypted key, asked only when one is needed; undefined = none. */
export type PasswordSource = (origin: Origin) => Promise<string | undefined>;

const KEY_LABELS = new Set(["PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]);

/** True for a PEM label that holds a private key of any kind (supported or not). */
export function isPrivateKeyLabel(label: string): boolean {
  return label.endsWith("PRIVATE KEY");
}

/**
 * Parses private key bytes (PEM, DER or base64 DER). Throws IdentityError:
 * KEY_PARSE, PASSWORD_REQUIRED, KEY_DECRYPT, UNSUPPORTED_KEY_TYPE or
 * UNSUPPORTED_ON_THIS_NODE.
 */
export async function parsePrivateKey(bytes: Buffer, origin: Origin, password: PasswordSource): Promise<LoadedKey> {
  const sniffed = sniff(bytes);
  if (sniffed.encoding === "pem") {
    const block = pickKeyBlock(parsePem(sniffed.text, origin), origin);
    return keyFromBlock(block, origin, password);
  }
  if (sniffed.encoding === "der") {
    const kind = classifyDer(sniffed.der);
    if (kind === "certificate") {
      throw fail("KEY_PARSE", origin, "holds a certificate, not a private key", { hint: "pass the private key file here and the certificate as --certificate" });
    }
    if (kind === "pkcs12") {
      throw fail("KEY_PARSE", origin, "is a PKCS#12 file, not a private key", {
        hint: "pass a PKCS#12 file as --certificate and leave out --private-key",
      });
    }
    if (kind === "unknown") {
      throw fail("KEY_PARSE", origin, "could not parse the private key: the DER is not a PKCS#8, PKCS#1 or SEC1 key", {
        hint: "give a PEM or DER private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1)",
      });
    }
    return keyFromDer(sniffed.der, kind, origin, password);
  }
  throw fail("KEY_PARSE", origin, "could not parse the private key: it is neither PEM nor DER", {
    hint: "give a PEM private key (-----BEGIN PRIVATE KEY-----), a DER key, or base64 DER",
  });
}

/**
 * Picks the one private key block among PEM blocks (an EC PARAMETERS block
 * before a SEC1 key is skipped). Throws KEY_PARSE with what was found instead
 * when there is none, or when there are several.
 */
export function pickKeyBlock(blocks: PemBlock[], origin: Origin): PemBlock {
  const keys = blocks.filter((b) => isPrivateKeyLabel(b.label));
  if (keys.length > 1) {
    throw fail("KEY_PARSE", origin, `holds ${keys.length} private keys; expected one`, { hint: "keep only the key that matches the certificate" });
  }
  const key = keys[0];
  if (key) {
    if (KEY_LABELS.has(key.label)) return key;
    throw unsupportedLabel(key.label, origin);
  }
  if (blocks.length === 0) {
    throw fail("KEY_PARSE", origin, "no PEM block found", { hint: "give a PEM private key (-----BEGIN PRIVATE KEY-----) or a DER key" });
  }
  const found = [...new Set(blocks.map((b) => b.label))].join(", ");
  const isPublic = blocks.some((b) => b.label.endsWith("PUBLIC KEY"));
  throw fail("KEY_PARSE", origin, `holds no private key (found: ${found})`, {
    hint: isPublic ? "a public key cannot sign: give the matching private key" : "give the file that holds the private key",
  });
}

function unsupportedLabel(label: string, origin: Origin) {
  if (label === "OPENSSH PRIVATE KEY") {
    return fail("KEY_PARSE", origin, "OpenSSH private keys are not supported", {
      hint: "convert a copy to PKCS#8 with 'ssh-keygen -p -m PKCS8 -f COPY' (it rewrites COPY in place)",
    });
  }
  if (label === "TSS2 PRIVATE KEY") {
    return fail("NOT_SUPPORTED", origin, "TPM key files (TSS2 PRIVATE KEY) are not supported", {
      hint: "use the TPM through tpm2-pkcs11: import the key with tpm2_ptool and give pkcs11: URIs with --pkcs11-lib …/libtpm2_pkcs11.so (README: Hardware keys)",
    });
  }
  if (label === "DSA PRIVATE KEY") {
    return fail("UNSUPPORTED_KEY_TYPE", origin, "DSA keys are not supported by IAM Roles Anywhere", {
      hint: "use an RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or ML-DSA key",
    });
  }
  return fail("KEY_PARSE", origin, `unsupported private key format "${label}"`, {
    hint: "give a PKCS#8, encrypted PKCS#8, PKCS#1 (RSA PRIVATE KEY) or SEC1 (EC PRIVATE KEY) key",
  });
}

const KIND_BY_LABEL: Record<string, DerKind> = {
  "PRIVATE KEY": "pkcs8",
  "ENCRYPTED PRIVATE KEY": "encrypted-pkcs8",
  "RSA PRIVATE KEY": "pkcs1",
  "EC PRIVATE KEY": "sec1",
};

/** Loads the key in one PEM block. */
export async function keyFromBlock(block: PemBlock, origin: Origin, password: PasswordSource): Promise<LoadedKey> {
  const labelled = KIND_BY_LABEL[block.label];
  if (!labelled) throw unsupportedLabel(block.label, origin);
  // Trust the structure over the label (an encrypted key labelled "PRIVATE KEY" still opens).
  const shaped = classifyDer(block.der);
  const kind = shaped in FORMAT_NAMES ? shaped : labelled;
  if ((block.headers["Proc-Type"] ?? "").includes("ENCRYPTED")) return legacyEncrypted(block, origin, password);
  return keyFromDer(block.der, kind, origin, password);
}

const FORMAT_NAMES: Record<string, string> = { pkcs8: "PKCS#8", "encrypted-pkcs8": "encrypted PKCS#8", pkcs1: "PKCS#1 RSA", sec1: "SEC1 EC" };

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // OpenSSL messages look like "error:1E08010C:DECODER routines::unsupported": keep the words.
  const m = /routines::(.+)$/.exec(err.message);
  return m ? m[1]! : err.message;
}

function parseFailure(kind: DerKind, origin: Origin, err: unknown) {
  return fail("KEY_PARSE", origin, `could not parse the ${FORMAT_NAMES[kind] ?? kind} private key (${reason(err)})`, {
    hint: "the key file is damaged or not a private key: export it again (PKCS#8 PEM is the safest choice)",
    cause: err,
  });
}

/** Loads a DER key of a known kind. */
export async function keyFromDer(der: Buffer, kind: DerKind, origin: Origin, password: PasswordSource): Promise<LoadedKey> {
  if (kind === "encrypted-pkcs8") return encryptedPkcs8(der, origin, password);
  if (kind === "pkcs8") {
    const mldsaType = mldsaTypeOfOid(pkcs8AlgorithmOid(der) ?? "");
    if (mldsaType && !mldsaSupported()) throw mldsaUnsupported(origin, mldsaType);
  }
  const type = kind === "pkcs1" ? "pkcs1" : kind === "sec1" ? "sec1" : "pkcs8";
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: "der", type });
  } catch (err) {
    throw parseFailure(kind, origin, err);
  }
  return { key, keyType: checkKeyType(key, origin) };
}

async function requirePassword(origin: Origin, password: PasswordSource): Promise<string> {
  const value = await password(origin);
  if (value === undefined || value === "") {
    throw fail("PASSWORD_REQUIRED", origin, "the key is encrypted and no password was given", {
      hint: "pass --pkcs8-password VALUE|env:NAME (passphrase in the library), or run in a terminal to be asked for it",
    });
  }
  return value;
}

function wrongPassword(origin: Origin, cause?: unknown) {
  return fail("KEY_DECRYPT", origin, "wrong password for the encrypted key", { hint: PASSWORD_HINT, cause });
}

async function encryptedPkcs8(der: Buffer, origin: Origin, password: PasswordSource): Promise<LoadedKey> {
  const pass = await requirePassword(origin, password);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: "der", type: "pkcs8", passphrase: pass });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_OSSL_BAD_DECRYPT") throw wrongPassword(origin, err);
    // OpenSSL either decrypted to a key it cannot use, or met a scheme it lacks: find out which
    // (pbes2.js loads only here: a rare path).
    const { decryptPbes2 } = await import("./pbes2.js");
    const own = decryptPbes2(der, pass);
    if (!own.ok && own.reason === "wrong-password") throw wrongPassword(origin, err);
    if (!own.ok) {
      throw fail("KEY_PARSE", origin, `the key is encrypted with an unsupported scheme: ${own.detail}`, {
        hint: "re-encrypt it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out NEW' (PBES2, AES-CBC)",
        cause: err,
      });
    }
    const mldsaType = mldsaTypeOfOid(pkcs8AlgorithmOid(own.pkcs8) ?? "");
    if (mldsaType && !mldsaSupported()) throw mldsaUnsupported(origin, mldsaType);
    throw parseFailure("encrypted-pkcs8", origin, err);
  }
  return { key, keyType: checkKeyType(key, origin) };
}

/** "Proc-Type: 4,ENCRYPTED" PEM (openssl rsa/ec -aes256): only OpenSSL can read it, from the PEM text. */
async function legacyEncrypted(block: PemBlock, origin: Origin, password: PasswordSource): Promise<LoadedKey> {
  const pass = await requirePassword(origin, password);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: toPem(block.label, block.der, block.headers), format: "pem", passphrase: pass });
  } catch (err) {
    if (/unsupported/i.test(reason(err))) {
      throw fail("KEY_PARSE", origin, `the key is encrypted with a cipher this Node.js cannot use (${block.headers["DEK-Info"]?.split(",")[0] ?? "unknown"})`, {
        hint: "re-encrypt it with 'openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out NEW'",
        cause: err,
      });
    }
    throw wrongPassword(origin, err);
  }
  return { key, keyType: checkKeyType(key, origin) };
}
