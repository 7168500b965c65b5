import { sha256 } from "../credentials/sha256.js";
import type { Credentials } from "../credentials/types.js";

/**
 * The credential_process JSON: `{"Version":1,"AccessKeyId","SecretAccessKey",
 * "SessionToken","Expiration","AccountId"}` in that order, with no trailing
 * newline. Expiration is passed through as the service sent it. This is the one
 * place the secret key and session token are revealed for credential-process.
 * @public
 */
export function formatCredentialProcess(creds: Credentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey.reveal(),
    SessionToken: creds.sessionToken.reveal(),
    Expiration: creds.expirationRaw,
    AccountId: creds.accountId,
  });
}

const CERT_BLOCK = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

/** DER of every PEM certificate block in `bytes`, or undefined when it holds none. */
function pemCertificates(bytes: Uint8Array): Buffer[] | undefined {
  const text = Buffer.from(bytes).toString("latin1");
  if (!text.includes("-----BEGIN")) return undefined;
  const ders = [...text.matchAll(CERT_BLOCK)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
  return ders.length > 0 ? ders : undefined;
}

/**
 * The certificate part of a credential-process cache key: lowercase hex SHA-256
 * over the certificates of the `--certificate` and `--intermediates` inputs
 * (the DER of each PEM certificate block, so a private key in a combined PEM
 * file or a change of line breaks does not matter; the raw bytes for DER,
 * PKCS#12 or base64 text). Any new certificate (a rotation) gives a new value.
 * Pure: it parses nothing beyond PEM armour, so the cached path stays fast.
 * @public
 */
export function certificateFingerprint(certificate: Uint8Array, intermediates?: Uint8Array): string {
  // SHA-256 in JS (../credentials/sha256.js): this runs on every cache hit, and
  // loading node:crypto would cost more start-up time than these few hashes.
  const parts: Uint8Array[] = [];
  for (const [label, bytes] of [["certificate", certificate], ["intermediates", intermediates]] as const) {
    if (bytes === undefined) continue;
    parts.push(Buffer.from(`${label}\0`));
    const ders = pemCertificates(bytes) ?? [bytes];
    for (const der of ders) parts.push(sha256(der));
  }
  return Buffer.from(sha256(Buffer.concat(parts))).toString("hex");
}
