import { parseCertInfo, type CertInfo } from "./cert-info.js";

/**
 * Parsed certificates keyed by their base64 DER as received, so a client that
 * sends the same certificate again costs a map lookup, not a parse. Bounded:
 * the oldest entry goes when full. Parse failures are not cached.
 * @internal
 */
export class CertCache {
  readonly #map = new Map<string, CertInfo>();
  readonly #max: number;
  constructor(max = 1000) {
    this.#max = max;
  }
  /** The parsed certificate for base64 text already known to be strict base64 of `der`. Throws when not a certificate. */
  get(b64: string, der: () => Buffer): CertInfo {
    const hit = this.#map.get(b64);
    if (hit) return hit;
    const info = parseCertInfo(der());
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(b64, info);
    return info;
  }
  has(b64: string): boolean {
    return this.#map.has(b64);
  }
  /** The parsed certificate for this exact base64 text, if already parsed. */
  peek(b64: string): CertInfo | undefined {
    return this.#map.get(b64);
  }
}
