/**
 * CKM_ECDSA returns r‖s, each as wide as the curve order; SigV4-X509 (like
 * X.509) wants the DER SEQUENCE { INTEGER r, INTEGER s }. Pure.
 * @internal
 */
import { IdentityError } from "../../errors.js";

function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let v = bytes.subarray(i);
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}

/** DER-encodes a raw ECDSA signature (r‖s, even length, up to P-521's 132 bytes). */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length === 0 || b.length % 2 !== 0 || b.length > 132) {
    throw new IdentityError("PKCS11", `PKCS#11: the token returned an ECDSA signature of ${b.length} bytes, not r‖s`, {
      hint: "the module answered CKM_ECDSA oddly; check the key on the token (pkcs11-tool --list-objects)",
    });
  }
  const half = b.length / 2;
  const body = Buffer.concat([derInteger(b.subarray(0, half)), derInteger(b.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
