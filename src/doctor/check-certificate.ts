/**
 * Checks of the leaf certificate against IAM Roles Anywhere's rules for a
 * signing certificate: X.509 v3, valid now, basicConstraints CA:FALSE,
 * keyUsage with digitalSignature, signed with SHA-256 or stronger, a
 * non-empty subject. Pure: the certificate and the time in, results out.
 */
import type { X509Certificate } from "node:crypto";
import { certFacts, type CertFacts } from "./cert-facts.js";
import { certificateExpiryWarning } from "../identity/expiry.js";
import { days, fail, iso, pass, wholeDays, warn } from "./results.js";
import type { CheckResult } from "./types.js";

/** The checks' names, as printed. @internal */
export const CERTIFICATE_CHECKS = {
  version: "certificate version",
  validity: "validity",
  basicConstraints: "basic constraints",
  keyUsage: "key usage",
  signatureAlgorithm: "signature algorithm",
  subject: "subject",
} as const;

const REISSUE = "have the CA issue the certificate again";

/** Characters STS allows in a source identity. */
const SOURCE_IDENTITY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

/**
 * The source identity CreateSession will set (protocol.md §3 item 14):
 * `CN=<cn>` for a CN of up to 61 characters, the bare CN for 62-64, else
 * `ID=<hex serial>`.
 * @internal
 */
export function sourceIdentityOf(facts: Pick<CertFacts, "commonName" | "serialHex">): string {
  const cn = facts.commonName;
  if (cn !== undefined && cn.length > 0 && SOURCE_IDENTITY_RE.test(cn)) {
    if (cn.length <= 61) return `CN=${cn}`;
    if (cn.length <= 64) return cn;
  }
  return `ID=${facts.serialHex}`;
}

/**
 * Validity at `now`: not yet valid or expired fail; within 30 days of the end
 * warns (the credential commands' decision and message); else passes with the days left. Used for the leaf and the chain's CAs.
 * @internal
 */
export function validityResult(check: string, what: string, facts: Pick<CertFacts, "notBefore" | "notAfter">, now: number): CheckResult {
  const { notBefore, notAfter } = facts;
  if (notBefore.getTime() > now) {
    return fail(
      check,
      `${what} is not valid before ${iso(notBefore)} (in ${days(notBefore.getTime() - now)})`,
      "wait until then, or check this machine's clock (NTP) if that date is already past",
    );
  }
  // The one expiry decision and message (identity/expiry.ts), as the credential commands warn.
  const expiry = certificateExpiryWarning(notAfter, now, { label: what });
  if (expiry.warn && expiry.expired) {
    return fail(check, expiry.message, `renew it: ${REISSUE} (a new notAfter) and point --certificate at the new file`);
  }
  if (expiry.warn) return warn(check, expiry.message, `renew it before then: ${REISSUE}`);
  return pass(check, `valid from ${iso(notBefore)} until ${iso(notAfter)} (${wholeDays(notAfter.getTime() - now)} days left)`);
}

/**
 * The leaf certificate's checks, one line each.
 * @internal
 */
export function checkLeafCertificate(leaf: X509Certificate, now: number): CheckResult[] {
  const c = CERTIFICATE_CHECKS;
  let facts: CertFacts;
  try {
    facts = certFacts(leaf);
  } catch (err) {
    return [fail(c.version, `could not read the certificate's fields (${(err as Error).message})`, "the certificate is malformed: have it issued again")];
  }
  const out: CheckResult[] = [];

  out.push(
    facts.version === 3
      ? pass(c.version, "X.509 v3")
      : fail(c.version, `X.509 v${facts.version}; IAM Roles Anywhere accepts only v3 certificates`, `${REISSUE} as X.509 v3, with basicConstraints CA:FALSE and keyUsage digitalSignature`),
  );

  out.push(validityResult(c.validity, "the certificate", facts, now));

  const bc = facts.basicConstraints;
  if (bc === undefined) out.push(pass(c.basicConstraints, "no basicConstraints extension (an end-entity certificate)"));
  else if (!bc.ca) out.push(pass(c.basicConstraints, "CA:FALSE"));
  else {
    out.push(
      fail(
        c.basicConstraints,
        "basicConstraints CA:TRUE: this is a CA certificate, and IAM Roles Anywhere refuses a CA certificate as the signing certificate",
        "use an end-entity certificate issued by the CA, with basicConstraints=critical,CA:FALSE (openssl: -addext or an -extfile with that line)",
      ),
    );
  }

  const ku = facts.keyUsage;
  const kuFix = `${REISSUE} with keyUsage=critical,digitalSignature`;
  if (ku === undefined) out.push(fail(c.keyUsage, "no keyUsage extension; IAM Roles Anywhere needs keyUsage with digitalSignature", kuFix));
  else if (!ku.includes("digitalSignature")) {
    out.push(fail(c.keyUsage, `keyUsage is ${ku.length ? ku.join(", ") : "empty"}, without digitalSignature`, kuFix));
  } else out.push(pass(c.keyUsage, ku.join(", ")));

  const alg = facts.signatureAlgorithm;
  if (alg === undefined) {
    out.push(warn(c.signatureAlgorithm, `unknown signature algorithm (OID ${facts.signatureAlgorithmOid}); IAM Roles Anywhere needs SHA-256 or stronger`));
  } else if (alg.weak) {
    out.push(
      fail(
        c.signatureAlgorithm,
        `signed with ${alg.name} (${alg.hash}); IAM Roles Anywhere needs SHA-256 or stronger`,
        `${REISSUE} with a SHA-256 (or stronger) signature, e.g. 'openssl x509 -req -sha256 …'`,
      ),
    );
  } else out.push(pass(c.signatureAlgorithm, alg.name));

  if (facts.subject === "") {
    out.push(fail(c.subject, "the subject is empty; IAM Roles Anywhere does not accept certificates with an empty subject", `${REISSUE} with a subject, e.g. CN=<machine name>`));
  } else if (facts.commonName === undefined) {
    out.push(pass(c.subject, `${facts.subject} (no CN: the session's source identity will be ${sourceIdentityOf(facts)})`));
  } else {
    out.push(pass(c.subject, `${facts.subject} (source identity ${sourceIdentityOf(facts)})`));
  }
  return out;
}
