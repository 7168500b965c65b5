import { describe, expect, it } from "vitest";
import { normalizeSerial, randomSerial } from "../../../src/pki/serial.js";
import { serialHexToDecimal } from "../../../src/pki/index.js";
import { serialToDecimal } from "../../../src/identity/serial.js";
import { ConfigError } from "../../../src/errors.js";

describe("normalizeSerial", () => {
  it("turns a bigint into even-length lowercase hex", () => {
    expect(normalizeSerial(1n)).toBe("01");
    expect(normalizeSerial(291n)).toBe("0123");
    expect(normalizeSerial(0xabcdefn)).toBe("abcdef");
  });
  it("reads strings as hex, with an optional 0x prefix and ':' separators, and drops leading zero bytes", () => {
    expect(normalizeSerial("0x1F2E")).toBe("1f2e");
    expect(normalizeSerial("00:ff:01")).toBe("ff01");
    expect(normalizeSerial("7")).toBe("07");
  });
  it("accepts 20 bytes and refuses 21", () => {
    expect(normalizeSerial("7f".repeat(20))).toBe("7f".repeat(20));
    expect(() => normalizeSerial("01".repeat(21))).toThrow(/longer than 20 bytes/);
  });
  it("refuses zero, negative and non-hex serials with ConfigError", () => {
    expect(() => normalizeSerial(0n)).toThrow(ConfigError);
    expect(() => normalizeSerial(-5n)).toThrow(/must be positive, not -5/);
    expect(() => normalizeSerial("12g4")).toThrow(/not hex: '12g4'/);
  });
});

describe("randomSerial", () => {
  it("makes a 16-byte positive serial whose top byte needs no DER padding", () => {
    expect(randomSerial(new Uint8Array(16).fill(0xff))).toBe("7f" + "ff".repeat(15));
    expect(randomSerial(new Uint8Array(16))).toBe("40" + "00".repeat(15));
  });
  it("refuses entropy of the wrong length", () => {
    expect(() => randomSerial(new Uint8Array(8))).toThrow(RangeError);
  });
});

describe("serialHexToDecimal", () => {
  it("gives the decimal form used in the Credential field", () => {
    expect(serialHexToDecimal("0123")).toBe("291");
    expect(serialHexToDecimal("00ff")).toBe("255");
    expect(serialHexToDecimal("8000000000000000")).toBe("9223372036854775808");
  });
  it("is the identity's helper: one decimal form everywhere, 0 included (Go's big.Int String() prints \"0\", as the official helper does)", () => {
    expect(serialHexToDecimal).toBe(serialToDecimal);
    expect(serialHexToDecimal("00")).toBe("0");
  });
});
