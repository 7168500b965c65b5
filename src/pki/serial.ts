import { ConfigError } from "../errors.js";

const MAX_SERIAL_BYTES = 20; // RFC 5280 §4.1.2.2

/**
 * Normalises a certificate serial to lowercase hex of its minimal positive
 * big-endian bytes (even length, no leading zero byte). A string is read as hex
 * ("0x" prefix, ":" separators and spaces allowed).
 * @throws ConfigError for a malformed, zero, negative or over-20-byte serial.
 * @public
 */
export function normalizeSerial(serial: bigint | string): string {
  let value: bigint;
  if (typeof serial === "bigint") {
    value = serial;
  } else {
    const hex = serial.trim().replace(/^0x/i, "").replace(/[:\s]/g, "");
    if (!/^[0-9a-fA-F]+$/.test(hex)) {
      throw new ConfigError(`certificate serial is not hex: '${serial}'`, { hint: "give the serial as a bigint or a hex string such as '0x1f2e'" });
    }
    value = BigInt(`0x${hex}`);
  }
  if (value <= 0n) {
    throw new ConfigError(`certificate serial must be positive, not ${value.toString()}`, { hint: "use a serial of 1 or more (RFC 5280 §4.1.2.2)" });
  }
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (hex.length / 2 > MAX_SERIAL_BYTES) {
    throw new ConfigError(`certificate serial is longer than ${MAX_SERIAL_BYTES} bytes`, { hint: "use a serial of at most 20 bytes (RFC 5280 §4.1.2.2)" });
  }
  return hex;
}

/**
 * A random positive 16-byte serial whose first byte is 0x40–0x7f, so the DER
 * INTEGER is exactly 16 bytes long with no padding byte.
 * @param randomBytes the entropy source (16 bytes).
 * @internal
 */
export function randomSerial(randomBytes: Uint8Array): string {
  if (randomBytes.length !== 16) throw new RangeError("randomSerial needs 16 random bytes");
  const bytes = Uint8Array.from(randomBytes);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString("hex");
}
