import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { X509ChainBuilder, type X509Certificate } from "@peculiar/x509";
import { KeyUsageFlags, type CertInfo } from "./cert-info.js";
import type { ResolvedTrustAnchor } from "./config.js";

/** Why a leaf or path was refused: a short wire-safe kind plus a detailed reason for the audit log. @internal */
export interface ChainFailure {
  kind:
    | "leaf-not-v3"
    | "leaf-ca"
    | "leaf-key-usage"
    | "leaf-weak-signature"
    | "leaf-expired"
    | "leaf-not-yet-valid"
    | "leaf-empty-subject"
    | "leaf-unsupported-key"
    | "untrusted"
    | "revoked";
  reason: string;
}

/** The WebCrypto object @peculiar/x509 verifies with (typed loosely: the project has no DOM lib). */
const subtleProvider = webcrypto as unknown as Parameters<X509ChainBuilder["build"]>[1];

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The leaf rules of protocol.md §3 item 6 (and the key policy of item 5), at
 * time `now`. Pure. Returns undefined when the leaf is acceptable.
 * @internal
 */
export function checkLeaf(leaf: CertInfo, now: number): ChainFailure | undefined {
  let fixed = staticLeafProblems.get(leaf);
  if (fixed === undefined) {
    fixed = staticLeafProblem(leaf) ?? null;
    staticLeafProblems.set(leaf, fixed);
  }
  if (fixed) return fixed;
  if (now > leaf.notAfter) return { kind: "leaf-expired", reason: `leaf certificate expired at ${iso(leaf.notAfter)}` };
  if (now < leaf.notBefore) {
    return { kind: "leaf-not-yet-valid", reason: `leaf certificate is not valid before ${iso(leaf.notBefore)}` };
  }
  return undefined;
}

/** The date-independent leaf rules, computed once per parsed certificate. */
const staticLeafProblems = new WeakMap<CertInfo, ChainFailure | null>();

function staticLeafProblem(leaf: CertInfo): ChainFailure | undefined {
  if (leaf.version !== 3) return { kind: "leaf-not-v3", reason: `leaf certificate is X.509 v${leaf.version}, not v3` };
  if (leaf.ca === true) return { kind: "leaf-ca", reason: "leaf certificate has basicConstraints CA:TRUE" };
  if (leaf.keyUsage === undefined) return { kind: "leaf-key-usage", reason: "leaf certificate has no keyUsage extension" };
  if ((leaf.keyUsage & KeyUsageFlags.digitalSignature) === 0) {
    return { kind: "leaf-key-usage", reason: "leaf certificate keyUsage lacks digitalSignature" };
  }
  if (!leaf.signatureHashStrong) {
    return { kind: "leaf-weak-signature", reason: `leaf certificate is signed with ${leaf.signatureAlgorithmName}` };
  }
  if (leaf.subject === "") return { kind: "leaf-empty-subject", reason: "leaf certificate has an empty Subject" };
  const keyProblem = keyPolicy(leaf);
  if (keyProblem) return { kind: "leaf-unsupported-key", reason: keyProblem };
  return undefined;
}

/** RSA of 2048+ bits, ECDSA on P-256/P-384/P-521, ML-DSA-44/65/87. Returns the problem or undefined. @internal */
export function keyPolicy(info: CertInfo): string | undefined {
  if (info.keyType === "RSA") {
    const bits = Number(info.keyDetail);
    return bits >= 2048 ? undefined : `RSA key of ${info.keyDetail} bits (2048 or more required)`;
  }
  if (info.keyType === "EC") {
    return ["P-256", "P-384", "P-521"].includes(info.keyDetail) ? undefined : `EC curve ${info.keyDetail} (P-256, P-384 or P-521 required)`;
  }
  if (info.keyType.startsWith("ML-DSA-")) return undefined;
  return `key algorithm ${info.keyDetail} is not supported (RSA, ECDSA or ML-DSA required)`;
}

/** Date-independent outcome of building and checking a path, cached. @internal */
type StructuralResult = { ok: true; path: CertInfo[] } | { ok: false; failure: ChainFailure };

/** A successful validation: the path from the leaf to the trust anchor certificate (inclusive). @internal */
export interface ValidPath {
  ok: true;
  path: CertInfo[];
}

/**
 * Validates leaf → chain (any order, the leaf tolerated) → a certificate of the
 * trust anchor: path built with @peculiar/x509's X509ChainBuilder (signatures
 * checked there), then CA flags, keyCertSign, pathLenConstraint, SHA-256+
 * signatures, revocation against the anchor's CRLs (CRLs whose issuer matches
 * and whose signature verifies with the issuing certificate), and validity of
 * every certificate at `now`. Structural results are cached, keyed by the exact
 * certificate bytes and the anchor's revision; dates are checked on every call.
 * @internal
 */
export class ChainValidator {
  readonly #cache = new Map<string, StructuralResult>();
  readonly #maxEntries: number;
  /** Number of full (uncached) path builds, for tests and the benchmark. */
  builds = 0;

  constructor(opts: { maxEntries?: number } = {}) {
    this.#maxEntries = opts.maxEntries ?? 2000;
  }

  /**
   * @param cacheKey a string that identifies the exact leaf and chain bytes (the received headers).
   * @param revision the trust anchor's revision (bumps when it is enabled/disabled or its CRLs change).
   */
  async validate(
    cacheKey: string,
    leaf: CertInfo,
    chain: readonly CertInfo[],
    anchor: ResolvedTrustAnchor,
    revision: number,
    now: number,
  ): Promise<ValidPath | { ok: false; failure: ChainFailure }> {
    const key = `${anchor.arn}#${revision}\n${cacheKey}`;
    let result = this.#cache.get(key);
    if (!result) {
      this.builds++;
      result = await buildStructural(leaf, chain, anchor);
      if (this.#cache.size >= this.#maxEntries) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(key, result);
    }
    if (!result.ok) return result;
    for (let i = 1; i < result.path.length; i++) {
      const c = result.path[i]!;
      const role = i === result.path.length - 1 ? "trust anchor certificate" : "intermediate certificate";
      if (now > c.notAfter) {
        return { ok: false, failure: { kind: "untrusted", reason: `${role} ${c.subject} expired at ${iso(c.notAfter)}` } };
      }
      if (now < c.notBefore) {
        return { ok: false, failure: { kind: "untrusted", reason: `${role} ${c.subject} is not valid before ${iso(c.notBefore)}` } };
      }
    }
    return { ok: true, path: result.path };
  }
}

function sameDer(a: X509Certificate, b: CertInfo): boolean {
  return Buffer.from(a.rawData).equals(b.der);
}

async function buildStructural(leaf: CertInfo, chain: readonly CertInfo[], anchor: ResolvedTrustAnchor): Promise<StructuralResult> {
  const untrusted = (reason: string): StructuralResult => ({ ok: false, failure: { kind: "untrusted", reason } });
  const pool = chain.filter((c) => !c.der.equals(leaf.der));
  const known = [...pool, ...anchor.certificates];
  const builder = new X509ChainBuilder({ certificates: known.map((c) => c.x509) });
  let built: X509Certificate[];
  try {
    built = await builder.build(leaf.x509, subtleProvider);
  } catch (err) {
    return untrusted(`path building failed: ${(err as Error).message}`);
  }
  const path: CertInfo[] = [leaf];
  let anchored = false;
  for (const x of built.slice(1)) {
    const ta = anchor.certificates.find((c) => sameDer(x, c));
    if (ta) {
      path.push(ta);
      anchored = true;
      break;
    }
    const info = pool.find((c) => sameDer(x, c));
    if (!info) return untrusted("path building returned an unknown certificate");
    path.push(info);
  }
  if (!anchored) {
    const last = path[path.length - 1]!;
    return untrusted(
      path.length === 1
        ? `no certificate of trust anchor ${anchor.name} or of the chain issued the leaf (issuer ${leaf.issuer})`
        : `the path ends at ${last.subject} (issuer ${last.issuer}), not at a certificate of trust anchor ${anchor.name}`,
    );
  }
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    const isAnchor = i === path.length - 1;
    if (!isAnchor) {
      if (ca.version !== 3) return untrusted(`intermediate ${ca.subject} is not X.509 v3`);
      if (ca.ca !== true) return untrusted(`intermediate ${ca.subject} is not a CA (basicConstraints CA:TRUE missing)`);
      if (ca.keyUsage !== undefined && (ca.keyUsage & KeyUsageFlags.keyCertSign) === 0) {
        return untrusted(`intermediate ${ca.subject} keyUsage lacks keyCertSign`);
      }
    }
    if (ca.pathLength !== undefined && i - 1 > ca.pathLength) {
      return untrusted(`${ca.subject} allows ${ca.pathLength} intermediates below it (pathLenConstraint), the path has ${i - 1}`);
    }
  }
  for (let i = 1; i < path.length - 1; i++) {
    const c = path[i]!;
    if (!c.signatureHashStrong) return untrusted(`intermediate ${c.subject} is signed with ${c.signatureAlgorithmName}`);
  }
  for (let i = 0; i < path.length - 1; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    for (const { crl } of anchor.crls) {
      if (crl.issuer !== cert.x509.issuer) continue;
      let signed = false;
      try {
        signed = await crl.verify({ publicKey: issuer.x509 }, subtleProvider);
      } catch {
        signed = false;
      }
      if (!signed) continue;
      if (crl.findRevoked(cert.x509)) {
        const who = i === 0 ? "leaf certificate" : `intermediate ${cert.subject}`;
        return { ok: false, failure: { kind: "revoked", reason: `${who} serial ${cert.serialHex} is revoked by a CRL of trust anchor ${anchor.name}` } };
      }
    }
  }
  return { ok: true, path };
}
