/**
 * In-memory setups for doctor's unit tests: a PKI (root → intermediate →
 * client) made with src/pki at a fixed time, and builders of DoctorFacts.
 * No files, no sockets.
 */
import { X509Certificate } from "node:crypto";
import { createIntermediateCa, createRootCa, issueClientCertificate, type CertOptions, type IssuedCertificate } from "../../../src/pki/index.js";
import type { CertificateBundle, CheckResult, DoctorFacts, Outcome } from "../../../src/doctor/types.js";

/** The time the unit tests judge at: 2030-01-01T00:00:00Z. */
export const NOW = Date.UTC(2030, 0, 1);
export const DAY = 86_400_000;

export const TA_ARN = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a5cc37b9-4bd0-57cf-8852-6136645d98ea";
export const PROFILE_ARN = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/269562df-a6e6-5615-9b9e-1833acb2b0ad";
export const ROLE_ARN = "arn:aws:iam::123456789012:role/demo";

export interface Pki {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  leaf: IssuedCertificate;
}

let cached: Promise<Pki> | undefined;

/** The good PKI (made once per test file). */
export function goodPki(): Promise<Pki> {
  cached ??= (async () => {
    const now = new Date(NOW - 10 * DAY);
    const root = await createRootCa({ now });
    const intermediate = await createIntermediateCa(root, { now });
    const leaf = await issueClientCertificate(intermediate, { now });
    return { root, intermediate, leaf };
  })();
  return cached;
}

/** A client certificate from the good intermediate, with overrides. */
export async function leafWith(opts: CertOptions): Promise<IssuedCertificate> {
  const { intermediate } = await goodPki();
  return issueClientCertificate(intermediate, { now: new Date(NOW - 10 * DAY), ...opts });
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function bundle(label: string, ...certs: IssuedCertificate[]): CertificateBundle {
  return { label, certificates: certs.map((c) => new X509Certificate(c.certDer)) };
}

/** Facts of a complete, good setup; `over` replaces parts. */
export async function goodFacts(over: Partial<DoctorFacts> = {}): Promise<DoctorFacts> {
  const { root, intermediate, leaf } = await goodPki();
  return {
    now: NOW,
    certificate: ok(bundle("file client.pem", leaf)),
    privateKey: ok({ label: "file client-key.pem", key: leaf.privateKey }),
    intermediates: ok(bundle("file intermediate.pem", intermediate)),
    trustAnchor: ok(bundle("file root.pem", root)),
    settings: { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: ROLE_ARN },
    env: {},
    ...over,
  };
}

/** Facts of the good setup with another leaf (and its key). */
export async function factsWithLeaf(leaf: IssuedCertificate, over: Partial<DoctorFacts> = {}): Promise<DoctorFacts> {
  return goodFacts({
    certificate: ok(bundle("file client.pem", leaf)),
    privateKey: ok({ label: "file client-key.pem", key: leaf.privateKey }),
    ...over,
  });
}

/** The results with the given check name. */
export function linesOf(results: readonly CheckResult[], check: string): CheckResult[] {
  return results.filter((r) => r.check === check);
}

/** The one result with the given check name (fails the test when there is not exactly one). */
export function lineOf(results: readonly CheckResult[], check: string): CheckResult {
  const found = linesOf(results, check);
  if (found.length !== 1) throw new Error(`expected one '${check}' line, got ${found.length}: ${JSON.stringify(results.map((r) => r.check))}`);
  return found[0]!;
}

export function failures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === "fail");
}
