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

/** What to load. `certificate` may also hold the key (combined PEM) or be a PKCS#12. @public */
export interface IdentitySpec {
  certificate: IdentityInput;
  privateKey?: IdentityInput;
  intermediates?: IdentityInput;
  /** Password for encrypted PKCS#8 or PKCS#12. */
  passphrase?: IdentityInput;
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
  privateKey: KeyObject;
  keyType: KeyType;
  /** Decimal serial of the leaf, as used in the Credential field. */
  serialDecimal: string;
}
