import { X509Certificate } from "node:crypto";
import type { LoadedIdentity } from "./types.js";
import { certificateFields } from "./der.js";
import { expiryWarnings, type ExpiryWarning } from "./chain.js";
import { serialToDecimal } from "./serial.js";

function nameOf(role: string, cert: X509Certificate): string {
  const lines = cert.subject?.split("\n") ?? [];
  const cn = lines.find((l) => l.startsWith("CN=")) ?? lines[0] ?? "(empty subject)";
  return `${role} ${cn} (serial ${serialToDecimal(cert.serialNumber)})`;
}

/**
 * Warnings for the identity's certificates (leaf and chain) that have expired
 * or expire within `withinDays` days (default 30) of `nowMs`. The clock is the
 * caller's, so tests can move it.
 * @public
 */
export function identityExpiryWarnings(identity: LoadedIdentity, nowMs: number, withinDays = 30): ExpiryWarning[] {
  const inputs = [{ name: nameOf("certificate", identity.certificate), notAfter: certificateFields(identity.certificateDer).notAfter }];
  for (const der of identity.chainDer) {
    inputs.push({ name: nameOf("chain certificate", new X509Certificate(der)), notAfter: certificateFields(der).notAfter });
  }
  return expiryWarnings(inputs, nowMs, withinDays);
}
