import type { KeyObject } from "node:crypto";
import { pkiCrypto, x509 } from "./x509-runtime.js";
import { spkiDer } from "./keys.js";
import type { PkiKeyUsage } from "./options.js";

const USAGE_FLAGS: Record<PkiKeyUsage, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};

/** What goes into a certificate's extensions. @internal */
export interface ExtensionPlan {
  ca: boolean;
  /** CA only; undefined = no constraint. */
  pathLength?: number;
  /** null = no keyUsage extension. */
  keyUsages: readonly PkiKeyUsage[] | null;
  sanDns: readonly string[];
  sanUri: readonly string[];
  /** Subject key identifier (hex). */
  subjectKeyId: string;
  /** Authority key identifier (hex): the issuer's subject key identifier. */
  authorityKeyId: string;
}

/**
 * RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits, as hex.
 * @internal
 */
export async function subjectKeyIdOf(key: KeyObject): Promise<string> {
  const ext = await x509.SubjectKeyIdentifierExtension.create(spkiDer(key), false, pkiCrypto);
  return ext.keyId;
}

/** The subject key identifier recorded in a certificate (DER), or undefined. @internal */
export function subjectKeyIdFromCertificate(certDer: Uint8Array): string | undefined {
  const cert = new x509.X509Certificate(certDer);
  return cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
}

/**
 * Builds the extensions in a stable order: basicConstraints, keyUsage,
 * subjectAltName, subjectKeyIdentifier, authorityKeyIdentifier. basicConstraints
 * is critical on a CA (RFC 5280 §4.2.1.9), keyUsage always.
 * @internal
 */
export function buildExtensions(plan: ExtensionPlan): x509.Extension[] {
  const exts: x509.Extension[] = [new x509.BasicConstraintsExtension(plan.ca, plan.ca ? plan.pathLength : undefined, plan.ca)];
  if (plan.keyUsages !== null) {
    const flags = plan.keyUsages.reduce((acc, u) => acc | USAGE_FLAGS[u], 0);
    exts.push(new x509.KeyUsagesExtension(flags, true));
  }
  const names = [
    ...plan.sanDns.map((value) => ({ type: "dns" as const, value })),
    ...plan.sanUri.map((value) => ({ type: "url" as const, value })),
  ];
  if (names.length) exts.push(new x509.SubjectAlternativeNameExtension(names, false));
  exts.push(new x509.SubjectKeyIdentifierExtension(plan.subjectKeyId, false));
  exts.push(new x509.AuthorityKeyIdentifierExtension(plan.authorityKeyId, false));
  return exts;
}
