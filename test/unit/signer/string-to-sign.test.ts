import { describe, expect, it } from "vitest";
import { credentialScope, stringToSign } from "../../../src/signer/string-to-sign.js";
import { authorizationHeader } from "../../../src/signer/authorization.js";
import { formatAmzDate, shortDate } from "../../../src/signer/amz-date.js";
import { ConfigError, RolesAnywhereError } from "../../../src/errors.js";

describe("stringToSign", () => {
  it("reproduces the string to sign of protocol.md §1.7", () => {
    const scope = credentialScope("20240706", "us-east-1");
    expect(scope).toBe("20240706/us-east-1/rolesanywhere/aws4_request");
    expect(
      stringToSign("AWS4-X509-ECDSA-SHA256", "20240706T143004Z", scope, "c8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2"),
    ).toBe(
      "AWS4-X509-ECDSA-SHA256\n20240706T143004Z\n20240706/us-east-1/rolesanywhere/aws4_request\nc8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2",
    );
  });
});

describe("credentialScope", () => {
  it("takes the date part of a full X-Amz-Date", () => {
    expect(credentialScope("20240706T143004Z", "fips-us-east-1")).toBe("20240706/fips-us-east-1/rolesanywhere/aws4_request");
  });
  it("refuses a malformed date or region with ConfigError", () => {
    expect(() => credentialScope("2024-07-06", "us-east-1")).toThrow(ConfigError);
    expect(() => credentialScope("20240706", "")).toThrow(/bad region ''/);
    expect(() => credentialScope("20240706", "us/east")).toThrow(/bad region/);
  });
});

describe("authorizationHeader", () => {
  it("renders Credential with the decimal serial, SignedHeaders with ';' and the hex signature", () => {
    expect(
      authorizationHeader({
        algorithm: "AWS4-X509-RSA-SHA256",
        serialDecimal: "21",
        scope: "20240706/us-east-2/rolesanywhere/aws4_request",
        signedHeaders: "content-type;host;x-amz-date;x-amz-x509",
        signatureHex: "00ff",
      }),
    ).toBe(
      "AWS4-X509-RSA-SHA256 Credential=21/20240706/us-east-2/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=00ff",
    );
  });
});

describe("formatAmzDate", () => {
  it("formats UTC to the second and drops milliseconds without rounding", () => {
    expect(formatAmzDate(new Date("2024-07-06T14:30:04.999Z"))).toBe("20240706T143004Z");
    expect(formatAmzDate(new Date(Date.UTC(2000, 0, 1, 0, 0, 0)))).toBe("20000101T000000Z");
    expect(shortDate("20240706T143004Z")).toBe("20240706");
    expect(formatAmzDate(new Date("2024-01-02T03:04:05Z"))).toBe("20240102T030405Z");
    const early = new Date(0);
    early.setUTCFullYear(7, 8, 9);
    expect(formatAmzDate(early)).toBe("00070909T000000Z");
  });
  it("agrees with the ISO form of the same instant, for any date of years 0000-9999", () => {
    const viaIso = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lo = Date.UTC(0, 0, 1) - 1900 * 365.25 * 86_400_000;
    const hi = Date.UTC(9999, 11, 31, 23, 59, 59);
    for (let i = 0; i < 2000; i++) {
      const d = new Date(Math.floor(lo + next() * (hi - lo)));
      if (d.getUTCFullYear() < 0) continue;
      expect(formatAmzDate(d)).toBe(viaIso(d));
    }
  });
  it("refuses an invalid date with a typed error", () => {
    expect(() => formatAmzDate(new Date("nope"))).toThrow(RolesAnywhereError);
    expect(() => formatAmzDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(/year out of range/);
    expect(() => formatAmzDate(new Date(Date.UTC(-1, 0, 1)))).toThrow(/year out of range/);
  });
});
