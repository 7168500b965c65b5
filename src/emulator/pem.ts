/**
 * Minimal PEM/DER helpers for the emulator's config loading (server side; the
 * client's identity loader is separate on purpose).
 */

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** One PEM block: its label and DER bytes. @internal */
export interface PemBlock {
  label: string;
  der: Buffer;
}

/** Splits text into PEM blocks; text outside the blocks is ignored. @internal */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const b64 = m[2]!.replace(/\s+/g, "");
    out.push({ label: m[1]!, der: Buffer.from(b64, "base64") });
  }
  return out;
}

/** True when the bytes look like PEM text rather than DER. @internal */
export function looksLikePem(bytes: Buffer | string): boolean {
  const s = typeof bytes === "string" ? bytes : bytes.subarray(0, 4096).toString("latin1");
  return s.includes("-----BEGIN ");
}

/**
 * Strict standard base64 (RFC 4648 §4, padding required, no whitespace) to bytes;
 * undefined when the text is not that. Node's decoder silently skips junk, so the
 * alphabet and length are checked first.
 * @internal
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, "base64");
}
