/**
 * Checks of the identity sources: each one readable and parseable, the key
 * matching a certificate (which makes that certificate the leaf), and a key
 * type IAM Roles Anywhere signs with. Pure: parsed material in, results out.
 */
import type { KeyObject, X509Certificate } from "node:crypto";
import { certificateKeyType } from "../identity/key-type.js";
import { certFacts, certName } from "./cert-facts.js";
import { fail, failFromProblem, pass, plural, skip, warn } from "./results.js";
import type { CertificateBundle, CheckResult, DoctorFacts, KeyMaterial } from "./types.js";

/** The checks' names, as printed. @internal */
export const IDENTITY_CHECKS = {
  certificate: "certificate",
  privateKey: "private key",
  intermediates: "intermediates",
  trustAnchor: "trust anchor certificate",
  keyMatch: "key matches certificate",
  keyType: "key type",
} as const;

/** Safe display name of a certificate (subject, or serial for an empty subject). @internal */
export function nameOf(cert: X509Certificate): string {
  try {
    return certName(certFacts(cert));
  } catch {
    return cert.subject.split("\n").reverse().join(",");
  }
}

/** "EC P-256", "RSA 2048 bits", "ML-DSA-65". @internal */
export function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? "unknown";
  const d = key.asymmetricKeyDetails ?? {};
  if (type === "rsa") return `RSA ${d.modulusLength ?? "?"} bits`;
  if (type === "ec") {
    const curves: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
    return `EC ${curves[d.namedCurve ?? ""] ?? d.namedCurve ?? "?"}`;
  }
  return type.toUpperCase();
}

function listNames(certs: readonly X509Certificate[]): string {
  const names = certs.map(nameOf);
  return names.length <= 3 ? names.join("; ") : `${names.slice(0, 3).join("; ")}; …`;
}

function bundleLine(check: string, bundle: CertificateBundle): CheckResult {
  const n = bundle.certificates.length;
  return pass(check, `${bundle.label}: ${plural(n, "certificate")} (${listNames(bundle.certificates)})`);
}

/**
 * One line per identity source: certificate, private key, intermediates and
 * trust anchor certificate (the last two only when given).
 * @internal
 */
export function checkSources(f: DoctorFacts): CheckResult[] {
  const out: CheckResult[] = [];
  const c = IDENTITY_CHECKS;
  if (f.certificate === undefined) {
    out.push(fail(c.certificate, "not given", "pass --certificate FILE (PEM, DER, fullchain PEM or PKCS#12), '-' for stdin, env:NAME or inline PEM"));
  } else if (!f.certificate.ok) {
    out.push(failFromProblem(c.certificate, f.certificate.problem, "give a readable PEM, DER or PKCS#12 certificate file"));
  } else {
    out.push(bundleLine(c.certificate, f.certificate.value));
  }

  if (f.privateKey === undefined) {
    if (f.certificate?.ok) {
      out.push(
        fail(
          c.privateKey,
          `none given, and ${f.certificate.value.label} holds no private key`,
          "pass --private-key FILE (PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1), or a PEM file holding both key and certificate, or a PKCS#12 file",
        ),
      );
    } else {
      out.push(skip(c.privateKey, f.certificate === undefined ? "no --private-key and no --certificate given" : "none given, and the certificate source could not be read"));
    }
  } else if (!f.privateKey.ok) {
    out.push(failFromProblem(c.privateKey, f.privateKey.problem, "give a readable private key file (PKCS#8 PEM is the safest choice)"));
  } else {
    const from = f.keyFromCertificate ? " (found with the certificate)" : "";
    out.push(pass(c.privateKey, `${f.privateKey.value.label}: ${describeKey(f.privateKey.value.key)}${from}`));
  }

  if (f.intermediates !== undefined) {
    if (!f.intermediates.ok) {
      out.push(failFromProblem(c.intermediates, f.intermediates.problem, "give a PEM bundle of the intermediate CA certificates"));
    } else {
      out.push(bundleLine(c.intermediates, f.intermediates.value));
    }
  }

  if (f.trustAnchor !== undefined) {
    if (!f.trustAnchor.ok) {
      out.push(failFromProblem(c.trustAnchor, f.trustAnchor.problem, "give the PEM file of the CA certificate(s) uploaded to the trust anchor"));
    } else {
      out.push(...trustAnchorLines(f.trustAnchor.value, f.now));
    }
  }
  return out;
}

/** The trust anchor bundle: CA certificates, valid now, at most 2 (the service's quota). */
function trustAnchorLines(bundle: CertificateBundle, now: number): CheckResult[] {
  const check = IDENTITY_CHECKS.trustAnchor;
  for (const cert of bundle.certificates) {
    let facts;
    try {
      facts = certFacts(cert);
    } catch {
      return [fail(check, `${bundle.label}: could not read the fields of ${nameOf(cert)}`, "give the PEM file of the CA certificate(s) uploaded to the trust anchor")];
    }
    if (facts.basicConstraints?.ca !== true) {
      return [
        fail(
          check,
          `${nameOf(cert)} in ${bundle.label} is not a CA certificate (no basicConstraints CA:TRUE)`,
          "--trust-anchor-cert takes the CA certificate(s) of the trust anchor (root or intermediate CA), not a client certificate",
        ),
      ];
    }
    if (facts.notAfter.getTime() <= now) {
      return [fail(check, `${nameOf(cert)} in ${bundle.label} expired at ${facts.notAfter.toISOString()}`, "renew the CA certificate and update the trust anchor with it")];
    }
  }
  const lines = [bundleLine(check, bundle)];
  if (bundle.certificates.length > 2) {
    lines.push(
      warn(
        check,
        `${plural(bundle.certificates.length, "certificate")} in ${bundle.label}; a trust anchor holds at most 2`,
        "upload only the CA certificate(s) the client chains end at",
      ),
    );
  }
  return lines;
}

/** The result of matching the key against the certificate source. @internal */
export interface LeafChoice {
  /** The certificate whose public key is the private key's, or a best guess when none is. */
  leaf?: X509Certificate;
  /** The key matched `leaf`. */
  matched: boolean;
  results: CheckResult[];
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    // A key on a token is known by its public key (the token signed for it when it was opened).
    return key.type === "public" ? cert.publicKey.equals(key) : cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** With no key to match, the leaf is the first non-CA certificate (else the first). */
function guessLeaf(certs: readonly X509Certificate[]): X509Certificate | undefined {
  return certs.find((c) => !c.ca) ?? certs[0];
}

const KEY_MISMATCH_FIX =
  "give the private key this certificate was issued for (or the certificate issued for this key): 'openssl x509 -noout -pubkey -in CERT' and 'openssl pkey -pubout -in KEY' must print the same public key";

/**
 * Finds the leaf: the certificate of the certificate source whose public key
 * is the private key's. Reports a mismatch, naming the sources; then checks
 * the leaf's key type is one the service signs with.
 * @internal
 */
export function chooseLeaf(f: DoctorFacts): LeafChoice {
  const c = IDENTITY_CHECKS;
  if (!f.certificate?.ok) return { matched: false, results: [skip(c.keyMatch, "no certificate to match the key against")] };
  const bundle = f.certificate.value;
  const certs = bundle.certificates;
  if (!f.privateKey?.ok) {
    return { leaf: guessLeaf(certs), matched: false, results: [skip(c.keyMatch, "no private key to match against the certificate")] };
  }
  const key: KeyMaterial = f.privateKey.value;
  const index = certs.findIndex((cert) => matches(cert, key.key));
  const results: CheckResult[] = [];
  let leaf: X509Certificate | undefined;
  if (index === -1) {
    leaf = guessLeaf(certs);
    const why =
      certs.length === 1
        ? `the private key (${key.label}) is not the key of ${nameOf(certs[0]!)} (${bundle.label})`
        : `the private key (${key.label}) matches none of the ${certs.length} certificates in ${bundle.label}`;
    const belongsToCa = [...(f.intermediates?.ok ? f.intermediates.value.certificates : []), ...(f.trustAnchor?.ok ? f.trustAnchor.value.certificates : [])].find(
      (cert) => matches(cert, key.key),
    );
    const extra = belongsToCa ? `; it is the key of the CA certificate ${nameOf(belongsToCa)}` : "";
    results.push(fail(c.keyMatch, `${why}${extra}`, KEY_MISMATCH_FIX));
  } else {
    leaf = certs[index]!;
    const where = certs.length > 1 ? ` (certificate #${index + 1} of ${certs.length} in ${bundle.label})` : "";
    results.push(pass(c.keyMatch, `the private key is the key of ${nameOf(leaf)}${where}`));
  }
  if (leaf) results.push(keyTypeLine(leaf));
  return { leaf, matched: index !== -1, results };
}

const ALGORITHMS: Record<string, string> = {
  RSA: "AWS4-X509-RSA-SHA256",
  EC: "AWS4-X509-ECDSA-SHA256",
  "ML-DSA-44": "AWS4-X509-MLDSA",
  "ML-DSA-65": "AWS4-X509-MLDSA",
  "ML-DSA-87": "AWS4-X509-MLDSA",
};

function keyTypeLine(leaf: X509Certificate): CheckResult {
  try {
    const type = certificateKeyType(leaf);
    const details = type === "RSA" || type === "EC" ? describeKey(leaf.publicKey) : type;
    return pass(IDENTITY_CHECKS.keyType, `${details}, signed as ${ALGORITHMS[type]}`);
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    return fail(
      IDENTITY_CHECKS.keyType,
      e.message ?? String(err),
      e.hint ?? "use an RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or ML-DSA key",
    );
  }
}
