import { createPublicKey, generateKeyPair as generateKeyPairCb, generateKeyPairSync, webcrypto, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { ConfigError } from "../errors.js";
import { PKI_KEY_TYPES, type PkiKeyType, type SignatureHash } from "./options.js";

const CURVES = { "ec-p256": "P-256", "ec-p384": "P-384", "ec-p521": "P-521" } as const;
const RSA_BITS = { "rsa-2048": 2048, "rsa-3072": 3072, "rsa-4096": 4096 } as const;
const NODE_CURVE_TO_TYPE: Record<string, PkiKeyType> = {
  prime256v1: "ec-p256",
  secp384r1: "ec-p384",
  secp521r1: "ec-p521",
};

/** Throws unless `keyType` is one of PKI_KEY_TYPES. @internal */
export function assertKeyType(keyType: string): asserts keyType is PkiKeyType {
  if (!(PKI_KEY_TYPES as readonly string[]).includes(keyType)) {
    throw new ConfigError(`unsupported key type: '${keyType}'`, {
      code: "UNSUPPORTED_KEY_TYPE",
      hint: `use one of ${PKI_KEY_TYPES.join(", ")}`,
    });
  }
}

/**
 * Makes a new key pair of the given type with node:crypto.
 * @public
 */
export function generateKeyPair(keyType: PkiKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  assertKeyType(keyType);
  if (keyType in RSA_BITS) {
    return generateKeyPairSync("rsa", { modulusLength: RSA_BITS[keyType as keyof typeof RSA_BITS], publicExponent: 0x10001 });
  }
  return generateKeyPairSync("ec", { namedCurve: CURVES[keyType as keyof typeof CURVES] });
}

const generateKeyPairPromise = promisify(generateKeyPairCb);

/**
 * Like generateKeyPair, but off the event loop (RSA 4096 takes about a second),
 * so servers in the same process keep answering.
 * @public
 */
export async function generateKeyPairAsync(keyType: PkiKeyType): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  assertKeyType(keyType);
  if (keyType in RSA_BITS) {
    return generateKeyPairPromise("rsa", { modulusLength: RSA_BITS[keyType as keyof typeof RSA_BITS], publicExponent: 0x10001 });
  }
  return generateKeyPairPromise("ec", { namedCurve: CURVES[keyType as keyof typeof CURVES] });
}

/**
 * The PKI key type of an existing key (private or public).
 * @throws ConfigError (UNSUPPORTED_KEY_TYPE) for other key types and sizes.
 * @public
 */
export function keyTypeOf(key: KeyObject): PkiKeyType {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const type = `rsa-${details.modulusLength ?? 0}`;
    assertKeyType(type);
    return type;
  }
  if (key.asymmetricKeyType === "ec") {
    const type = NODE_CURVE_TO_TYPE[details.namedCurve ?? ""];
    if (type) return type;
    assertKeyType(`ec-${details.namedCurve ?? "unknown"}`);
  }
  throw new ConfigError(`unsupported key type: '${key.asymmetricKeyType ?? "unknown"}'`, {
    code: "UNSUPPORTED_KEY_TYPE",
    hint: `use a key of one of ${PKI_KEY_TYPES.join(", ")}`,
  });
}

/** A WebCrypto signing algorithm with its hash. @internal */
export interface SigningAlgorithm {
  name: "RSASSA-PKCS1-v1_5" | "ECDSA";
  hash: SignatureHash;
}

/** The signature hash used by default when a key of this type signs. @internal */
export function defaultSignatureHash(signerKeyType: PkiKeyType): SignatureHash {
  if (signerKeyType === "ec-p384") return "SHA-384";
  if (signerKeyType === "ec-p521") return "SHA-512";
  return "SHA-256";
}

/** SubjectPublicKeyInfo DER of a private or public key. @internal */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ type: "spki", format: "der" });
}

/**
 * Imports a node:crypto private key into WebCrypto for signing: RSA as
 * RSASSA-PKCS1-v1_5 bound to `hash`, EC as ECDSA (the hash goes with each sign call).
 * @internal
 */
export async function importSigningKey(privateKey: KeyObject, hash: SignatureHash): Promise<{ key: webcrypto.CryptoKey; algorithm: SigningAlgorithm }> {
  const keyType = keyTypeOf(privateKey);
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  if (keyType.startsWith("rsa-")) {
    const algorithm: SigningAlgorithm = { name: "RSASSA-PKCS1-v1_5", hash };
    const key = await webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
    return { key, algorithm };
  }
  const namedCurve = CURVES[keyType as keyof typeof CURVES];
  const key = await webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve }, false, ["sign"]);
  return { key, algorithm: { name: "ECDSA", hash } };
}
