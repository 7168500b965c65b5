/**
 * A certificate's serial and SubjectPublicKeyInfo read by walking the outer
 * DER headers only (RFC 5280 §4.1: tbsCertificate = [0] version, serial,
 * signature, issuer, validity, subject, subjectPublicKeyInfo, …): names and
 * extensions are skipped by their lengths, not parsed, so the cost does not
 * grow with what a certificate carries. CreateSession uses it to check the
 * request's signature before any full parse. Undefined when the outer
 * structure is not that of a DER certificate.
 * @internal
 */
export function peekCertificate(der: Uint8Array): { serialHex: string; spki: Uint8Array } | undefined {
  const cert = tlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30 || cert.end !== der.length) return undefined;
  const tbs = tlv(der, cert.start, cert.end);
  if (!tbs || tbs.tag !== 0x30) return undefined;
  let at = tbs.start;
  let el = tlv(der, at, tbs.end);
  if (el && el.tag === 0xa0) el = tlv(der, (at = el.end), tbs.end);
  if (!el || el.tag !== 0x02 || el.end === el.start) return undefined;
  const serialHex = Buffer.from(der.subarray(el.start, el.end)).toString("hex");
  at = el.end;
  // signature AlgorithmIdentifier, issuer, validity, subject: four SEQUENCEs.
  for (let i = 0; i < 4; i++) {
    el = tlv(der, at, tbs.end);
    if (!el || el.tag !== 0x30) return undefined;
    at = el.end;
  }
  const spki = tlv(der, at, tbs.end);
  if (!spki || spki.tag !== 0x30) return undefined;
  return { serialHex, spki: der.subarray(at, spki.end) };
}

/** One DER tag-length header at `at` (single-byte tags, definite lengths up to 4 bytes), within `limit`. */
function tlv(buf: Uint8Array, at: number, limit: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > limit) return undefined;
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}
