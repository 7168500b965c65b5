/**
 * Leaf-by-key selection and chain ordering. Pure: plain
 * bytes and dates in, decisions out.
 */
import { IdentityError } from "../errors.js";

/** IAM Roles Anywhere accepts at most this many certificates in X-Amz-X509-Chain. @public */
export const MAX_CHAIN_LENGTH = 5;

/** A certificate as chain selection sees it: its DER (whatever else the caller's `holdsKey` needs rides along). @internal */
export interface ChainCert {
  der: Buffer;
}

/** Where the certificates and the key came from, for messages. @internal */
export interface ChainLabels {
  /** Label of the certificate source, e.g. "file /x/fullchain.pem". */
  certificates: string;
  /** Label of the private key source. */
  privateKey: string;
}

/** The leaf and the chain to send. @internal */
export interface ChainSelection<C extends ChainCert = ChainCert> {
  leaf: C;
  /** DER of the intermediates, in the order to send them. */
  chain: Buffer[];
}

/**
 * Finds the leaf, the certificate whose public key is the private key's
 * (`holdsKey` says which are), in whatever order the certificates come. The
 * others, then `intermediates`, form the chain in their given order, without
 * repeats and without any certificate for the same key as the leaf.
 *
 * Throws IdentityError CERTIFICATE_KEY_MISMATCH when no certificate matches the
 * key, CHAIN_TOO_LONG when the chain would exceed 5 certificates.
 * @internal
 */
export function selectLeaf<C extends ChainCert>(
  certificates: readonly C[],
  holdsKey: (c: C) => boolean,
  intermediates: readonly C[],
  labels: ChainLabels,
): ChainSelection<C> {
  const leaf = certificates.find(holdsKey);
  if (!leaf) {
    const n = certificates.length;
    const why =
      n === 1
        ? `the private key (${labels.privateKey}) does not match the certificate in ${labels.certificates}`
        : `the private key (${labels.privateKey}) matches none of the ${n} certificates in ${labels.certificates}`;
    throw new IdentityError("CERTIFICATE_KEY_MISMATCH", `certificate and private key: ${why}`, {
      hint: "give the key the certificate was issued for: 'openssl x509 -noout -pubkey -in CERT' and 'openssl pkey -pubout -in KEY' must print the same key",
    });
  }
  const chain: Buffer[] = [];
  for (const c of [...certificates, ...intermediates]) {
    if (c === leaf || holdsKey(c)) continue;
    if (chain.some((d) => d.equals(c.der))) continue;
    chain.push(c.der);
  }
  if (chain.length > MAX_CHAIN_LENGTH) {
    throw new IdentityError(
      "CHAIN_TOO_LONG",
      `certificate chain: ${chain.length} certificates besides the leaf (from ${labels.certificates}${intermediates.length ? " and the intermediates" : ""}); IAM Roles Anywhere accepts at most ${MAX_CHAIN_LENGTH}`,
      { hint: "send only the intermediates between the leaf and the trust anchor: the root CA is in the trust anchor and need not be sent" },
    );
  }
  return { leaf, chain };
}
