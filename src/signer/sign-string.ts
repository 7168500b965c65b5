import { constants, createHash, createPublicKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import { ALGORITHM_MLDSA, ALGORITHM_RSA } from "./constants.js";
import { signingAlgorithmFor } from "./key-signer.js";
import { IdentityError } from "../errors.js";

/** The fixed text at the start of the sign-string test message. @public */
export const SIGN_STRING_TEXT = "AWS Roles Anywhere Credential Helper Signing Test";
/** The test version appended to the text. @public */
export const SIGN_STRING_VERSION = "1";

/** Digests sign-string accepts (`--digest`). @public */
export type SignStringDigest = "SHA256" | "SHA384" | "SHA512";
/** Output formats of sign-string (`--format`). @public */
export type SignStringFormat = "json" | "text" | "bin";

/** @public */
export const SIGN_STRING_DIGESTS: readonly SignStringDigest[] = ["SHA256", "SHA384", "SHA512"];
/** @public */
export const SIGN_STRING_FORMATS: readonly SignStringFormat[] = ["json", "text", "bin"];

const NODE_DIGEST: Record<SignStringDigest, string> = { SHA256: "sha256", SHA384: "sha384", SHA512: "sha512" };

function b64url(s: string | undefined): Buffer {
  return Buffer.from(s ?? "", "base64url");
}

/**
 * The public key bytes the test message commits to: for EC the uncompressed
 * point `04‖X‖Y`, for RSA the PKCS#1 RSAPublicKey DER.
 * @throws IdentityError (UNSUPPORTED_KEY_TYPE) for other key types.
 * @public
 */
export function testMessagePublicKeyBytes(key: KeyObject): Buffer {
  const pub = key.type === "public" ? key : createPublicKey(key);
  if (pub.asymmetricKeyType === "ec") {
    const jwk = pub.export({ format: "jwk" });
    return Buffer.concat([Buffer.from([0x04]), b64url(jwk.x), b64url(jwk.y)]);
  }
  if (pub.asymmetricKeyType === "rsa") return pub.export({ type: "pkcs1", format: "der" });
  throw new IdentityError("UNSUPPORTED_KEY_TYPE", `sign-string: no public key encoding for key type '${pub.asymmetricKeyType}'`, {
    hint: "use an RSA, ECDSA or ML-DSA private key",
  });
}

/**
 * The fixed sign-string message: the text, the version "1", then for RSA and EC
 * the raw 32 bytes of SHA-256("IAM RA" ‖ public key bytes); for ML-DSA nothing more.
 * @public
 */
export function testMessage(key: KeyObject): Buffer {
  const head = Buffer.from(SIGN_STRING_TEXT + SIGN_STRING_VERSION, "utf8");
  if (signingAlgorithmFor(key) === ALGORITHM_MLDSA) return head;
  const digest = createHash("sha256").update("IAM RA").update(testMessagePublicKeyBytes(key)).digest();
  return Buffer.concat([head, digest]);
}

/**
 * Signs the fixed test message with `key`: RSA PKCS#1 v1.5 or ECDSA (DER) over
 * `digest`(message); ML-DSA signs the message itself and ignores `digest`.
 * @throws IdentityError for a public key or an unsupported key type.
 * @public
 */
export function signTestMessage(key: KeyObject, digest: SignStringDigest = "SHA256"): Buffer {
  if (key.type !== "private") {
    throw new IdentityError("KEY_PARSE", `sign-string: expected a private key, got a ${key.type} key`, {
      hint: "give the private key with --private-key",
    });
  }
  const algorithm = signingAlgorithmFor(key);
  const message = testMessage(key);
  if (algorithm === ALGORITHM_MLDSA) return cryptoSign(null, message, key);
  if (algorithm === ALGORITHM_RSA) {
    return cryptoSign(NODE_DIGEST[digest], message, { key, padding: constants.RSA_PKCS1_PADDING });
  }
  return cryptoSign(NODE_DIGEST[digest], message, { key, dsaEncoding: "der" });
}

/**
 * Renders a signature as sign-string prints it, with no trailing newline:
 * `json` a JSON string of lowercase hex (with the quotes), `text` the bare hex,
 * `bin` the raw bytes.
 * @public
 */
export function formatSignature(signature: Uint8Array, format: SignStringFormat): Buffer {
  const raw = Buffer.from(signature);
  if (format === "bin") return raw;
  const hex = raw.toString("hex");
  return Buffer.from(format === "json" ? JSON.stringify(hex) : hex, "utf8");
}
