import { parsePem, sniff } from "../identity/pem.js";
import { sha256 } from "./sha256.js";

const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);

/** DER of every PEM certificate block in `bytes`, or undefined when it is not PEM with certificates (or not well-formed PEM). */
function pemCertificates(bytes: Uint8Array): Buffer[] | undefined {
  const s = sniff(bytes);
  if (s.encoding !== "pem") return undefined;
  try {
    const ders = parsePem(s.text, { what: "certificate", label: "cache key" }).filter((b) => CERTIFICATE_LABELS.has(b.label)).map((b) => b.der);
    return ders.length > 0 ? ders : undefined;
  } catch {
    // Malformed PEM: the raw bytes key the cache; the identity loader reports the problem on a miss.
    return undefined;
  }
}

/**
 * The certificate part of a credential cache key: lowercase hex SHA-256 over
 * the certificates of the certificate and intermediates inputs (the DER of each
 * PEM certificate block, so a private key in a combined PEM file or a change of
 * line breaks does not matter; the raw bytes for DER, PKCS#12 or base64 text).
 * Any new certificate (a rotation) gives a new value. Pure: it parses nothing
 * beyond PEM armour, so the cached path stays fast.
 * @public
 */
export function certificateFingerprint(certificate: Uint8Array, intermediates?: Uint8Array): string {
  // SHA-256 in JS (./sha256.js): this runs on every cache hit, and loading
  // node:crypto would cost more start-up time than these few hashes.
  const parts: Uint8Array[] = [];
  for (const [label, bytes] of [["certificate", certificate], ["intermediates", intermediates]] as const) {
    if (bytes === undefined) continue;
    parts.push(Buffer.from(`${label}\0`));
    const ders = pemCertificates(bytes) ?? [bytes];
    for (const der of ders) parts.push(sha256(der));
  }
  return Buffer.from(sha256(Buffer.concat(parts))).toString("hex");
}
