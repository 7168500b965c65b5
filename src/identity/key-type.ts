/**
 * Which key types the helper signs with, and how to tell a key's or a
 * certificate's type. RSA (2048 bits or more), ECDSA on P-256/P-384/P-521, and
 * ML-DSA-44/65/87 where the running Node.js supports it.
 */
import { generateKeyPairSync, type KeyObject, type X509Certificate } from "node:crypto";
import type { KeyType } from "./types.js";
import { certificateFields, OID } from "./der.js";
import { fail, KEY_TYPES_HINT, type Origin } from "./fail.js";
import { IdentityError } from "../errors.js";

let mldsa: boolean | undefined;

/**
 * True when this Node.js can use ML-DSA keys (Node 24+ with OpenSSL 3.5).
 * Checked once, by generating a throwaway ML-DSA-44 key.
 * @public
 */
export function mldsaSupported(): boolean {
  if (mldsa === undefined) {
    try {
      generateKeyPairSync("ml-dsa-44" as never);
      mldsa = true;
    } catch {
      mldsa = false;
    }
  }
  return mldsa;
}

const MLDSA_BY_OID: Record<string, KeyType> = {
  [OID.mlDsa44]: "ML-DSA-44",
  [OID.mlDsa65]: "ML-DSA-65",
  [OID.mlDsa87]: "ML-DSA-87",
};

const MLDSA_BY_NODE_TYPE: Record<string, KeyType> = {
  "ml-dsa-44": "ML-DSA-44",
  "ml-dsa-65": "ML-DSA-65",
  "ml-dsa-87": "ML-DSA-87",
};

const CURVES_BY_NODE_NAME: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const CURVES_BY_OID: Record<string, string> = { [OID.p256]: "P-256", [OID.p384]: "P-384", [OID.p521]: "P-521" };

const ALGORITHM_NAMES: Record<string, string> = {
  [OID.ed25519]: "Ed25519",
  [OID.ed448]: "Ed448",
  [OID.dsa]: "DSA",
  [OID.rsassaPss]: "RSASSA-PSS",
};

/** The ML-DSA variant for a PKCS#8/SPKI algorithm OID, if it is one. @internal */
export function mldsaTypeOfOid(oid: string): KeyType | undefined {
  return MLDSA_BY_OID[oid];
}

/** The error for ML-DSA material on a Node.js without ML-DSA. @internal */
export function mldsaUnsupported(origin: Origin, type: KeyType): IdentityError {
  return fail("UNSUPPORTED_ON_THIS_NODE", origin, `${type} keys need Node.js 24 or newer (this is Node.js ${process.versions.node})`, {
    hint: "run the helper with Node.js 24 or newer, or use an RSA or ECDSA key",
  });
}

function displayName(nodeType: string): string {
  const names: Record<string, string> = { ed25519: "Ed25519", ed448: "Ed448", dsa: "DSA", dh: "DH", x25519: "X25519", x448: "X448", "rsa-pss": "RSASSA-PSS" };
  return names[nodeType] ?? nodeType;
}

/**
 * The key type of a loaded private or public key, checking that IAM Roles
 * Anywhere accepts it: RSA of 2048 bits or more, EC on P-256/P-384/P-521,
 * ML-DSA-44/65/87. Throws IdentityError UNSUPPORTED_KEY_TYPE otherwise.
 * @internal
 */
export function checkKeyType(key: KeyObject, origin: Origin): KeyType {
  const type = key.asymmetricKeyType ?? "unknown";
  const details = key.asymmetricKeyDetails ?? {};
  if (type === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048) {
      throw fail("UNSUPPORTED_KEY_TYPE", origin, `RSA key of ${bits} bits is too short: 2048 bits or more are needed`, {
        hint: "make a new key with 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048' and have its certificate issued again",
      });
    }
    return "RSA";
  }
  if (type === "ec") {
    const curve = details.namedCurve ?? "unknown";
    if (!CURVES_BY_NODE_NAME[curve]) {
      throw fail("UNSUPPORTED_KEY_TYPE", origin, `EC curve ${curve} is not supported: use P-256, P-384 or P-521`, { hint: KEY_TYPES_HINT });
    }
    return "EC";
  }
  const mldsaType = MLDSA_BY_NODE_TYPE[type];
  if (mldsaType) return mldsaType;
  throw fail("UNSUPPORTED_KEY_TYPE", origin, `${displayName(type)} keys are not supported by IAM Roles Anywhere`, { hint: KEY_TYPES_HINT });
}

/**
 * The key type of a loaded key (RSA, EC or an ML-DSA variant). Throws
 * IdentityError UNSUPPORTED_KEY_TYPE for keys the helper cannot sign with
 * (RSA under 2048 bits, other curves, Ed25519, DSA…).
 * @public
 */
export function keyTypeOf(key: KeyObject): KeyType {
  return checkKeyType(key, { what: "private key", label: "KeyObject" });
}

/**
 * The key type of a certificate's public key, read from its
 * SubjectPublicKeyInfo (so ML-DSA certificates are recognised even where
 * Node.js cannot use their keys). Throws IdentityError UNSUPPORTED_KEY_TYPE for
 * other algorithms or curves, CERTIFICATE_PARSE for a malformed certificate.
 * @public
 */
export function certificateKeyType(cert: X509Certificate, origin: Origin = { what: "certificate", label: "X509Certificate" }): KeyType {
  let fields;
  try {
    fields = certificateFields(cert.raw);
  } catch (err) {
    throw fail("CERTIFICATE_PARSE", origin, "could not read the certificate's public key", { cause: err });
  }
  if (fields.keyAlgorithm === OID.rsaEncryption) return "RSA";
  if (fields.keyAlgorithm === OID.ecPublicKey) {
    if (fields.curve && CURVES_BY_OID[fields.curve]) return "EC";
    throw fail("UNSUPPORTED_KEY_TYPE", origin, `the certificate's EC curve (${fields.curve ?? "explicit parameters"}) is not supported: use P-256, P-384 or P-521`, {
      hint: KEY_TYPES_HINT,
    });
  }
  const mldsaType = MLDSA_BY_OID[fields.keyAlgorithm];
  if (mldsaType) return mldsaType;
  const name = ALGORITHM_NAMES[fields.keyAlgorithm] ?? `algorithm ${fields.keyAlgorithm}`;
  throw fail("UNSUPPORTED_KEY_TYPE", origin, `the certificate's ${name} key is not supported by IAM Roles Anywhere`, { hint: KEY_TYPES_HINT });
}
