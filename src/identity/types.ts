import type { KeyObject, X509Certificate } from "node:crypto";

/** Key families the helper can sign with. @public */
export type KeyType = "RSA" | "EC" | "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87";

/**
 * Where bytes come from. In the library: a string is the value itself (PEM text
 * or base64 DER), a Buffer is the raw bytes (PEM or DER), `{ path }` is a file,
 * a function is called at every resolution (so rotated material is picked up).
 * The CLI maps its flag values ("-", "env:NAME", inline PEM, a path) onto these.
 * @public
 */
export type IdentityInput =
  | string
  | Uint8Array
  | { path: string }
  | { env: string }
  | { stdin: true }
  | (() => Promise<string | Uint8Array> | string | Uint8Array);

/**
 * A certificate or key held on a PKCS#11 token (an HSM, a smart card or
 * YubiKey, SoftHSM, or a TPM 2.0 through tpm2-pkcs11). The key never leaves
 * the token: signatures are made on it.
 * @public
 */
export interface Pkcs11Input {
  /** RFC 7512 URI, e.g. `pkcs11:token=my-token;object=my-key` (`?pin-value=`, `?pin-source=env:NAME|file:PATH` allowed). */
  pkcs11: string;
  /** The PKCS#11 module (shared library). Default: the URI's `module-path`, else p11-kit's proxy module (`p11-kit-proxy.so`). */
  module?: string;
  /** The user PIN: a string is the PIN itself; `{ env }`, `{ path }` or a callback read it. Default: the URI's pin-value or pin-source; the CLI then asks on the terminal. */
  pin?: IdentityInput;
  /** Use the user PIN for keys that want a PIN at every signature (CKA_ALWAYS_AUTHENTICATE), as `--reuse-pin` does. Default false. */
  reusePin?: boolean;
}

/**
 * What to load. `certificate` may also hold the key (combined PEM) or be a
 * PKCS#12; either may be on a PKCS#11 token (`{ pkcs11: uri }`).
 * @public
 */
export interface IdentitySpec {
  certificate: IdentityInput | Pkcs11Input;
  privateKey?: IdentityInput | Pkcs11Input;
  intermediates?: IdentityInput;
  /** Password for encrypted PKCS#8 or PKCS#12. */
  passphrase?: IdentityInput;
}

/** An IdentitySpec with everything from files, values or callbacks (no PKCS#11): it loads a key into memory. @public */
export interface FileIdentitySpec extends IdentitySpec {
  certificate: IdentityInput;
  privateKey?: IdentityInput;
}

/** Injected I/O for identity loading; defaults read the real process. @internal */
export interface IdentityIo {
  env?: NodeJS.ProcessEnv;
  readStdin?: () => Promise<Buffer>;
  /** Asked for a password when an encrypted key has none and a terminal is attached. */
  promptPassword?: (what: string) => Promise<string | undefined>;
}

/** A loaded identity: the leaf, its chain and a usable private key. @public */
export interface X509Identity {
  certificate: X509Certificate;
  certificateDer: Buffer;
  /** Intermediates (DER) in the order they will be sent in X-Amz-X509-Chain; at most 5. */
  chainDer: Buffer[];
  /** The private key, in memory. */
  privateKey: KeyObject;
  /** Never set here: see TokenIdentity. */
  tokenKey?: undefined;
  keyType: KeyType;
  /** Decimal serial of the leaf, as used in the Credential field. */
  serialDecimal: string;
}

/** A loaded identity whose private key stays on a PKCS#11 token. @public */
export interface TokenIdentity extends Omit<X509Identity, "privateKey" | "tokenKey" | "keyType"> {
  privateKey?: undefined;
  tokenKey: TokenKey;
  keyType: "RSA" | "EC";
}

/** What loadIdentity returns: a key in memory, or one on a token. @public */
export type LoadedIdentity = X509Identity | TokenIdentity;

/**
 * A private key that stays on a token (PKCS#11): it signs, it is never read out.
 * @public
 */
export interface TokenKey {
  /** The key's PKCS#11 URI, as found (no PIN in it). */
  readonly uri: string;
  readonly keyType: "RSA" | "EC";
  /** Its public key (from the certificate, or the token's public key object). */
  readonly publicKey: KeyObject;
  /**
   * Signs `message`: RSA PKCS#1 v1.5 over digest(message) (CKM_SHA256_RSA_PKCS and kin);
   * EC: ECDSA over digest(message) computed here (CKM_ECDSA), returned DER-encoded.
   */
  sign(message: Uint8Array, digest?: "sha256" | "sha384" | "sha512"): Promise<Buffer>;
}
