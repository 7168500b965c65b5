/**
 * Certificate bytes → X509Certificate: from PEM blocks or DER, checked by
 * Node.js and by our own DER reader (so ML-DSA certificates work on Node 20).
 * @internal
 */
import { X509Certificate } from "node:crypto";
import { certificateFields, DerError, type CertificateFields } from "./der.js";
import { fail, type Origin } from "./fail.js";

/** A parsed certificate, its exact DER and the fields read from it. */
export interface LoadedCertificate {
  certificate: X509Certificate;
  der: Buffer;
  fields: CertificateFields;
}

/** PEM labels that hold an X.509 certificate. */
export function isCertificateLabel(label: string): boolean {
  return label === "CERTIFICATE" || label === "X509 CERTIFICATE" || label === "TRUSTED CERTIFICATE";
}

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof DerError) return `malformed DER: ${err.message}`;
  // Node reports every DER failure as the PEM decoder's "no start line": say what it means.
  if ((err as { code?: string }).code === "ERR_OSSL_PEM_NO_START_LINE") return "malformed X.509 structure";
  const m = /routines::(.+)$/.exec(err.message);
  return m ? m[1]! : err.message;
}

/**
 * Parses one DER certificate. `position` (1-based) names it in messages when
 * the source holds several. Throws IdentityError CERTIFICATE_PARSE.
 */
export function parseCertificateDer(der: Buffer, origin: Origin, position?: number): LoadedCertificate {
  const which = position === undefined ? "the certificate" : `certificate #${position}`;
  let certificate: X509Certificate;
  let fields: CertificateFields;
  try {
    fields = certificateFields(der);
    certificate = new X509Certificate(der);
  } catch (err) {
    throw fail("CERTIFICATE_PARSE", origin, `could not parse ${which} (${reason(err)})`, {
      hint: "the file is damaged or not an X.509 certificate: download or export it again",
      cause: err,
    });
  }
  return { certificate, der: Buffer.from(der), fields };
}
