/**
 * The whole checklist from the gathered facts. Pure: no files, sockets,
 * environment or clock of its own, so every case is a unit test.
 */
import { checkLeafCertificate } from "./check-certificate.js";
import { chainSkipped, checkChain } from "./check-chain.js";
import { checkSources, chooseLeaf } from "./check-identity.js";
import { checkOnline } from "./check-online.js";
import { checkProxy } from "./check-proxy.js";
import { checkSession } from "./check-session.js";
import { skip } from "./results.js";
import type { CheckResult, DoctorFacts } from "./types.js";

/**
 * Judges the facts, in the order a user fixes things: the identity sources,
 * key and certificate, the chain, the ARNs, region and endpoint, the proxy,
 * then (with --online) the clock skew and CreateSession.
 * @public
 */
export function evaluateDoctor(f: DoctorFacts): CheckResult[] {
  const out: CheckResult[] = [...checkSources(f)];
  const choice = chooseLeaf(f);
  out.push(...choice.results);
  if (choice.leaf) {
    out.push(...checkLeafCertificate(choice.leaf, f.now));
    const leaf = choice.leaf;
    const others = f.certificate?.ok ? f.certificate.value.certificates.filter((c) => c !== leaf) : [];
    out.push(
      ...checkChain({
        leaf,
        fromCertificateSource: others,
        intermediates: f.intermediates?.ok ? f.intermediates.value.certificates : [],
        ...(f.trustAnchor?.ok ? { trustAnchor: f.trustAnchor.value.certificates } : {}),
        now: f.now,
      }),
    );
  } else {
    out.push(skip("certificate details", "no certificate to check"), ...chainSkipped("no certificate to check"));
  }
  const session = checkSession(f);
  out.push(...session.results);
  out.push(...checkProxy(f, session.resolution.endpoint?.origin));
  out.push(...checkOnline(f.online));
  return out;
}

/** Counts per status. @public */
export interface DoctorSummary {
  passed: number;
  warnings: number;
  failed: number;
  skipped: number;
}

/** Counts the results. @public */
export function summarize(results: readonly CheckResult[]): DoctorSummary {
  const s: DoctorSummary = { passed: 0, warnings: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    if (r.status === "pass") s.passed++;
    else if (r.status === "warn") s.warnings++;
    else if (r.status === "fail") s.failed++;
    else s.skipped++;
  }
  return s;
}

/** 0 when nothing failed (warnings and skipped checks allowed), else 1. @public */
export function doctorExitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}
