import { sign as cryptoSign, constants, type KeyObject } from "node:crypto";
import { ALGORITHM_ECDSA, ALGORITHM_MLDSA, ALGORITHM_RSA } from "./constants.js";
import type { Signer, SigningAlgorithm } from "./types.js";
import type { LoadedIdentity, TokenKey } from "../identity/types.js";
import { IdentityError } from "../errors.js";

const ML_DSA_TYPES: ReadonlySet<string> = new Set(["ml-dsa-44", "ml-dsa-65", "ml-dsa-87"]);

/**
 * The SigV4-X509 algorithm for a key (private or public): RSA → AWS4-X509-RSA-SHA256,
 * EC (any curve) → AWS4-X509-ECDSA-SHA256, ML-DSA-44/65/87 → AWS4-X509-MLDSA.
 * @throws IdentityError (UNSUPPORTED_KEY_TYPE) for any other key type (RSA-PSS, Ed25519, DSA, …).
 * @public
 */
export function signingAlgorithmFor(key: KeyObject): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === "rsa") return ALGORITHM_RSA;
  if (type === "ec") return ALGORITHM_ECDSA;
  if (type !== undefined && ML_DSA_TYPES.has(type)) return ALGORITHM_MLDSA;
  throw new IdentityError("UNSUPPORTED_KEY_TYPE", `signing key: unsupported key type '${type ?? key.type}'`, {
    hint: "use an RSA, ECDSA (P-256, P-384, P-521) or ML-DSA (44, 65, 87) private key",
  });
}

/**
 * A Signer over a node:crypto private key. `sign(message)` returns:
 * RSA: RSASSA-PKCS1-v1_5 over SHA-256(message); EC: ECDSA over SHA-256(message),
 * DER-encoded, whatever the curve; ML-DSA: pure ML-DSA over the message itself,
 * empty context (Node's OpenSSL signs hedged, i.e. randomised; any FIPS 204
 * verifier accepts it).
 * @throws IdentityError (KEY_PARSE) when `key` is not a private key, (UNSUPPORTED_KEY_TYPE) for other key types.
 * @public
 */
export function createKeySigner(key: KeyObject): Signer {
  if (key.type !== "private") {
    throw new IdentityError("KEY_PARSE", `signing key: expected a private key, got a ${key.type} key`, {
      hint: "pass the private key (--private-key), not the certificate's public key",
    });
  }
  const algorithm = signingAlgorithmFor(key);
  switch (algorithm) {
    case ALGORITHM_RSA:
      return {
        algorithm,
        sign: (message) => cryptoSign("sha256", message, { key, padding: constants.RSA_PKCS1_PADDING }),
      };
    case ALGORITHM_ECDSA:
      return { algorithm, sign: (message) => cryptoSign("sha256", message, { key, dsaEncoding: "der" }) };
    default:
      return { algorithm, sign: (message) => cryptoSign(null, message, key) };
  }
}

/**
 * A Signer over a key that stays on a token (PKCS#11): RSA → AWS4-X509-RSA-SHA256
 * (CKM_SHA256_RSA_PKCS), EC → AWS4-X509-ECDSA-SHA256 (CKM_ECDSA over the
 * SHA-256 digest, DER). The token signs; nothing is read out of it.
 * @public
 */
export function createTokenSigner(key: TokenKey): Signer {
  return { algorithm: key.keyType === "RSA" ? ALGORITHM_RSA : ALGORITHM_ECDSA, sign: (message) => key.sign(message, "sha256") };
}

/** The Signer of a loaded identity: its token key, else its key in memory. @public */
export function createIdentitySigner(identity: LoadedIdentity): Signer {
  return identity.tokenKey ? createTokenSigner(identity.tokenKey) : createKeySigner(identity.privateKey);
}
