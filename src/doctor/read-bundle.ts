/**
 * Bytes of a certificate source → its certificates, and whether it also holds
 * a private key or is a PKCS#12 file. Pure (the bytes are read elsewhere).
 */
import type { X509Certificate } from "node:crypto";
import { isCertificateLabel, parseCertificateDer } from "../identity/certificate.js";
import { classifyDer } from "../identity/der.js";
import { fail, type Origin } from "../identity/fail.js";
import { parsePem, sniff } from "../identity/pem.js";
import { isPrivateKeyLabel } from "../identity/private-key.js";

/** What a certificate source holds. @internal */
export type BundleContents =
  | { kind: "certificates"; certificates: X509Certificate[]; hasPrivateKey: boolean }
  | { kind: "pkcs12" };

/**
 * Reads every certificate of PEM text (any other blocks are noted, not
 * parsed) or of one DER certificate; DER that is not a certificate is taken as
 * PKCS#12, as identity loading does.
 * @throws IdentityError CERTIFICATE_PARSE naming `origin`.
 * @internal
 */
export function readBundle(bytes: Buffer, origin: Origin): BundleContents {
  const sniffed = sniff(bytes);
  if (sniffed.encoding === "pem") {
    const blocks = parsePem(sniffed.text, origin);
    const certBlocks = blocks.filter((b) => isCertificateLabel(b.label));
    if (certBlocks.length === 0) {
      const found = [...new Set(blocks.map((b) => b.label))].join(", ");
      throw fail("CERTIFICATE_PARSE", origin, blocks.length ? `holds no certificate (found: ${found})` : "no PEM block found", {
        hint: "give the file that holds the certificate (-----BEGIN CERTIFICATE-----)",
      });
    }
    const certificates = certBlocks.map((b, i) => parseCertificateDer(b.der, origin, certBlocks.length > 1 ? i + 1 : undefined).certificate);
    return { kind: "certificates", certificates, hasPrivateKey: blocks.some((b) => isPrivateKeyLabel(b.label)) };
  }
  if (sniffed.encoding === "der") {
    const kind = classifyDer(sniffed.der);
    if (kind === "certificate") return { kind: "certificates", certificates: [parseCertificateDer(sniffed.der, origin).certificate], hasPrivateKey: false };
    if (kind === "pkcs12" || kind === "unknown") return { kind: "pkcs12" };
    throw fail("CERTIFICATE_PARSE", origin, "holds a private key, not a certificate", { hint: "pass the certificate here and the key as --private-key" });
  }
  throw fail("CERTIFICATE_PARSE", origin, "could not parse the certificate: it is neither PEM nor DER", {
    hint: "give a PEM certificate (-----BEGIN CERTIFICATE-----), DER, base64 DER or a PKCS#12 file",
  });
}
