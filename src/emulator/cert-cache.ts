import { parseCertInfo, type CertInfo } from "./cert-info.js";

/**
 * What one cached certificate is taken to cost in memory: its base64 key, the
 * DER, and the parsed objects (measured at about ten times the DER for the
 * @peculiar/x509 and pkijs trees), plus a fixed overhead.
 */
export function certCacheCost(b64: string, derLength: number): number {
  return b64.length + derLength * 11 + 4096;
}

/**
 * Parsed certificates keyed by their base64 DER as received, so a client that
 * sends the same certificate again costs a map lookup, not a parse. Bounded by
 * entries and by estimated bytes ({@link certCacheCost}): the oldest entries go
 * when either bound is reached. Parse failures are not cached.
 * @internal
 */
export class CertCache {
  readonly #map = new Map<string, { info: CertInfo; cost: number }>();
  readonly #max: number;
  readonly #maxBytes: number;
  #bytes = 0;
  constructor(max = 1000, maxBytes = 32 * 1024 * 1024) {
    this.#max = max;
    this.#maxBytes = maxBytes;
  }
  /** The parsed certificate for base64 text already known to be strict base64 of `der`. Throws when not a certificate. */
  get(b64: string, der: () => Buffer): CertInfo {
    const hit = this.#map.get(b64);
    if (hit) return hit.info;
    const bytes = der();
    const info = parseCertInfo(bytes);
    const cost = certCacheCost(b64, bytes.length);
    if (cost > this.#maxBytes) return info;
    while (this.#map.size > 0 && (this.#map.size >= this.#max || this.#bytes + cost > this.#maxBytes)) {
      const [oldest, entry] = this.#map.entries().next().value!;
      this.#map.delete(oldest);
      this.#bytes -= entry.cost;
    }
    this.#map.set(b64, { info, cost });
    this.#bytes += cost;
    return info;
  }
  has(b64: string): boolean {
    return this.#map.has(b64);
  }
  /** The parsed certificate for this exact base64 text, if already parsed. */
  peek(b64: string): CertInfo | undefined {
    return this.#map.get(b64)?.info;
  }
  /** Entries and estimated bytes held. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#map.size, bytes: this.#bytes };
  }
}
