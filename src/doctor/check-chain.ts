/**
 * Chain checks: the path from the leaf through the intermediates (and, when
 * the trust anchor's certificates are given, up to one of them), each link's
 * signature verified; the CAs on the path valid and strong enough; and the
 * number of certificates sent in X-Amz-X509-Chain. Pure.
 */
import type { X509Certificate } from "node:crypto";
import { MAX_CHAIN_LENGTH } from "../identity/chain.js";
import { certFacts } from "./cert-facts.js";
import { validityResult } from "./check-certificate.js";
import { nameOf } from "./check-identity.js";
import { fail, pass, plural, skip, warn } from "./results.js";
import type { CheckResult } from "./types.js";

/** The checks' names, as printed. @internal */
export const CHAIN_CHECKS = {
  chain: "chain",
  chainLength: "chain length",
} as const;

/** What the chain checks look at. @internal */
export interface ChainInput {
  leaf: X509Certificate;
  /** The other certificates of the certificate source (a fullchain file), in order. */
  fromCertificateSource: readonly X509Certificate[];
  /** The --intermediates certificates, in order. */
  intermediates: readonly X509Certificate[];
  /** The trust anchor's certificates (--trust-anchor-cert); undefined when not given. */
  trustAnchor?: readonly X509Certificate[];
  now: number;
}

/** `child` names `parent` as its issuer and `parent`'s key verifies its signature. */
function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function sameKey(a: X509Certificate, b: X509Certificate): boolean {
  try {
    return a.publicKey.equals(b.publicKey);
  } catch {
    return false;
  }
}

/**
 * The certificates sent in X-Amz-X509-Chain, as identity loading builds it:
 * the certificate source's others, then the intermediates, without repeats and
 * without certificates for the leaf's key.
 * @internal
 */
export function chainToSend(input: Pick<ChainInput, "leaf" | "fromCertificateSource" | "intermediates">): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const c of [...input.fromCertificateSource, ...input.intermediates]) {
    if (c.raw.equals(input.leaf.raw) || sameKey(c, input.leaf)) continue;
    if (out.some((o) => o.raw.equals(c.raw))) continue;
    out.push(c);
  }
  return out;
}

const MISSING_INTERMEDIATE_FIX =
  "pass the intermediate CA certificate(s) with --intermediates FILE (or put the whole chain after the leaf in --certificate); " +
  "if that issuer is a root CA, it must be in the trust anchor";

/** The CA certificates on the path (not the leaf): CA flag, validity, signature strength. */
function checkPathCas(path: readonly X509Certificate[], anchor: X509Certificate | undefined, now: number): CheckResult[] {
  const out: CheckResult[] = [];
  const cas = anchor && !path.includes(anchor) ? [...path.slice(1), anchor] : path.slice(1);
  for (const ca of cas) {
    const role = ca === anchor ? "trust anchor CA" : "intermediate";
    let facts;
    try {
      facts = certFacts(ca);
    } catch {
      out.push(fail(CHAIN_CHECKS.chain, `could not read the fields of ${role} ${nameOf(ca)}`, "give a well-formed CA certificate"));
      continue;
    }
    if (facts.basicConstraints?.ca !== true) {
      out.push(
        fail(CHAIN_CHECKS.chain, `${role} ${nameOf(ca)} is not a CA certificate (no basicConstraints CA:TRUE)`, "only CA certificates may sit between the leaf and the trust anchor: remove it or use the real issuing CA"),
      );
    }
    const validity = validityResult(CHAIN_CHECKS.chain, `${role} ${nameOf(ca)}`, facts, now);
    if (validity.status !== "pass") {
      out.push(
        validity.status === "fail"
          ? fail(validity.check, validity.detail, `renew the ${role} certificate (and update the trust anchor or --intermediates with it)`)
          : validity,
      );
    }
    if (ca !== anchor && facts.signatureAlgorithm?.weak) {
      out.push(
        fail(
          CHAIN_CHECKS.chain,
          `${role} ${nameOf(ca)} is signed with ${facts.signatureAlgorithm.name} (${facts.signatureAlgorithm.hash}); IAM Roles Anywhere needs SHA-256 or stronger`,
          "have the CA certificate issued again with a SHA-256 (or stronger) signature",
        ),
      );
    }
  }
  return out;
}

/**
 * Builds the path leaf → intermediates (→ trust anchor certificate), verifying
 * each signature with the issuer's key, and reports:
 * - a missing intermediate when the trust anchor is given and the path stops
 *   short of it;
 * - an issuer whose name matches but whose key does not verify the signature;
 * - a path that ends at a root the trust anchor does not hold;
 * - CA certificates on the path that are not CAs, expired, or signed with SHA-1;
 * - chain certificates that are not on the path (sent for nothing);
 * - more than 5 certificates in X-Amz-X509-Chain.
 * @internal
 */
export function checkChain(input: ChainInput): CheckResult[] {
  const c = CHAIN_CHECKS;
  const sent = chainToSend(input);
  const anchors = input.trustAnchor ?? [];
  const path: X509Certificate[] = [input.leaf];
  const out: CheckResult[] = [];
  let anchor: X509Certificate | undefined;
  let current = input.leaf;
  let broken: CheckResult | undefined;
  let openEnd = false;

  for (let depth = 0; depth <= MAX_CHAIN_LENGTH + 2; depth++) {
    const inAnchor = anchors.find((a) => a.raw.equals(current.raw));
    if (inAnchor && current !== input.leaf) {
      anchor = inAnchor;
      break;
    }
    const anchorIssuer = anchors.find((a) => issuedBy(current, a));
    if (anchorIssuer) {
      anchor = anchorIssuer;
      break;
    }
    const next = sent.find((s) => !path.includes(s) && issuedBy(current, s));
    if (next) {
      path.push(next);
      current = next;
      continue;
    }
    const selfSigned = issuedBy(current, current);
    const sameName = [...sent, ...anchors].find((s) => s !== current && s.subject === current.issuer);
    if (sameName && !selfSigned) {
      broken = fail(
        c.chain,
        `${nameOf(current)} names ${nameOf(sameName)} as its issuer, but the signature does not verify with that certificate's key`,
        "a different CA certificate with the same name was given (a re-keyed or replaced CA): give the CA certificate that really issued it",
      );
    } else if (selfSigned) {
      if (input.trustAnchor) {
        broken = fail(
          c.chain,
          `the chain ends at the self-signed ${nameOf(current)}, which is not in the trust anchor (--trust-anchor-cert)`,
          "the trust anchor must hold this root CA (or a CA on the chain): update the trust anchor, or check that --trust-anchor-cert is the trust anchor's bundle",
        );
      } else openEnd = true;
    } else if (input.trustAnchor) {
      broken = fail(
        c.chain,
        `missing intermediate: no certificate for ${current.issuer.split("\n").reverse().join(",")}, the issuer of ${nameOf(current)}, and the trust anchor does not hold it either`,
        MISSING_INTERMEDIATE_FIX,
      );
    } else openEnd = true;
    break;
  }

  const names = path.map((p, i) => (i === 0 ? `leaf ${nameOf(p)}` : nameOf(p)));
  if (broken) out.push(broken);
  else if (anchor) {
    const tail = path.includes(anchor) ? " (in the trust anchor)" : ` → trust anchor ${nameOf(anchor)}`;
    out.push(pass(c.chain, `${names.join(" → ")}${tail} (every signature verified)`));
  } else if (openEnd && path.length === 1 && !issuedBy(current, current)) {
    // Only the leaf, and nothing to check it against: the most common cause of
    // "Untrusted Signing Certificate" is exactly this (an intermediate left out).
    const issuer = current.issuer.split("\n").reverse().join(",");
    out.push(
      warn(
        c.chain,
        `no intermediate is sent and no trust anchor was given to check against: the leaf is issued by ${issuer}`,
        `fine if the trust anchor holds ${issuer} itself; if it holds a root above it, pass the intermediates with --intermediates (or a fullchain --certificate); give --trust-anchor-cert FILE to check`,
      ),
    );
  } else if (openEnd) {
    const issuer = current.issuer.split("\n").reverse().join(",");
    const end = issuedBy(current, current) ? " (self-signed root)" : `, issued by ${issuer}`;
    out.push(
      pass(
        c.chain,
        `${names.join(" → ")}${end}; signatures verified this far (give --trust-anchor-cert FILE with the trust anchor's CA bundle to check the chain up to it)`,
      ),
    );
  } else {
    out.push(fail(c.chain, `no path found within ${MAX_CHAIN_LENGTH + 2} certificates`, "remove loops and unrelated certificates from the chain"));
  }

  out.push(...checkPathCas(path, anchor, input.now));

  const unused = sent.filter((s) => !path.includes(s) && !(anchor && s.raw.equals(anchor.raw)));
  const rootSent = sent.filter((s) => anchor && s.raw.equals(anchor.raw));
  if (!broken && unused.length > 0) {
    out.push(
      warn(
        c.chain,
        `${plural(unused.length, "certificate")} sent in X-Amz-X509-Chain ${unused.length === 1 ? "is" : "are"} not on the path: ${unused.map(nameOf).join("; ")}`,
        "remove them from --intermediates / the certificate file",
      ),
    );
  }
  if (rootSent.length > 0) {
    out.push(warn(c.chain, `the trust anchor's certificate ${nameOf(rootSent[0]!)} is also sent in X-Amz-X509-Chain`, "it is not needed there: the service already holds it"));
  }

  if (sent.length > MAX_CHAIN_LENGTH) {
    out.push(
      fail(
        c.chainLength,
        `${sent.length} certificates besides the leaf would be sent in X-Amz-X509-Chain; IAM Roles Anywhere accepts at most ${MAX_CHAIN_LENGTH}`,
        "send only the intermediates between the leaf and the trust anchor: the root CA is in the trust anchor and need not be sent",
      ),
    );
  } else {
    out.push(pass(c.chainLength, `${plural(sent.length, "certificate")} in X-Amz-X509-Chain (at most ${MAX_CHAIN_LENGTH})`));
  }
  return out;
}

/** The chain checks skipped, when there is no leaf. @internal */
export function chainSkipped(why: string): CheckResult[] {
  return [skip(CHAIN_CHECKS.chain, why)];
}
