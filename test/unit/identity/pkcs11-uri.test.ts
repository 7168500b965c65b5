import { generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { formatPkcs11Uri, parsePkcs11Uri, pathText, percentEncode, queryText, redactUri } from "../../../src/identity/pkcs11/uri.js";
import { ecdsaRawToDer } from "../../../src/identity/pkcs11/ecdsa.js";
import { readPinSource } from "../../../src/identity/pkcs11/pin.js";
import { defaultModulePath } from "../../../src/identity/pkcs11/module.js";

describe("PKCS#11 URI (RFC 7512)", () => {
  it("parses path and query attributes, percent-decoding them into bytes", () => {
    const u = parsePkcs11Uri("pkcs11:token=My%20Token;manufacturer=piv_II;id=%01%A0;object=Certificate%20for%20Digital%20Signature;type=cert?pin-value=123456");
    expect(pathText(u, "token")).toBe("My Token");
    expect(pathText(u, "manufacturer")).toBe("piv_II");
    expect(u.path.get("id")).toEqual(Buffer.from([0x01, 0xa0]));
    expect(pathText(u, "object")).toBe("Certificate for Digital Signature");
    expect(pathText(u, "type")).toBe("cert");
    expect(queryText(u, "pin-value")).toBe("123456");
  });

  it("accepts the RFC's examples and edge forms", () => {
    expect(parsePkcs11Uri("pkcs11:").path.size).toBe(0);
    expect(parsePkcs11Uri("PKCS11:token=a").path.get("token")?.toString()).toBe("a");
    expect(pathText(parsePkcs11Uri("pkcs11:object=my-certificate;type=cert"), "object")).toBe("my-certificate");
    expect(pathText(parsePkcs11Uri("pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-source=file:/etc/token"), "token")).toBe(
      "Software PKCS#11 softtoken",
    );
    expect(queryText(parsePkcs11Uri("pkcs11:slot-id=3?module-path=/usr/lib/libx.so&pin-source=env:PIN"), "module-path")).toBe("/usr/lib/libx.so");
    expect(pathText(parsePkcs11Uri("pkcs11:object=%E2%82%AC"), "object")).toBe("€");
    expect(pathText(parsePkcs11Uri("pkcs11:library-version=2.6;slot-id=42;x-vendor=1"), "slot-id")).toBe("42");
    expect(pathText(parsePkcs11Uri("pkcs11:object=a=b"), "object")).toBe("a=b");
  });

  it.each([
    ["file:///x.pem", /does not start with 'pkcs11:'/],
    ["pkcs11:token=a;token=b", /'token' is given twice/],
    ["pkcs11:tokn=a", /unknown path attribute 'tokn'/],
    ["pkcs11:token=a?pin=1", /unknown query attribute 'pin'/],
    ["pkcs11:id=%0", /id: '%' must be followed by two hex digits/],
    ["pkcs11:id=%zz", /two hex digits/],
    ["pkcs11:token", /has no '='/],
    ["pkcs11:=x", /empty name/],
    ["pkcs11:type=key", /type must be one of cert, private, public, secret-key, data/],
    ["pkcs11:slot-id=0x1", /slot-id must be a decimal number/],
    ["pkcs11:library-version=v2", /library-version must be M or M.N/],
    ["pkcs11:token=a#frag", /no fragment/],
    ["pkcs11:token=a?pin-value=1&pin-source=env:P", /pin-value or pin-source, not both/],
  ])("refuses %s", (text, why) => {
    let err: unknown;
    try {
      parsePkcs11Uri(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).not.toContain("\n");
  });

  it("never shows the PIN in a message", () => {
    let message = "";
    try {
      parsePkcs11Uri("pkcs11:tokn=a?pin-value=s3cret&module-path=/x");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("pin-value=***");
    expect(message).not.toContain("s3cret");
    expect(redactUri("pkcs11:token=a?module-path=/m&pin-value=s3cret")).toBe("pkcs11:token=a?module-path=/m&pin-value=***");
  });

  it("formats URIs: readable characters kept, the rest and every byte of id escaped, and parses back", () => {
    expect(percentEncode(Buffer.from("SoftHSM project"))).toBe("SoftHSM%20project");
    expect(percentEncode(Buffer.from("a;b?c&d%e/f=g"))).toBe("a%3Bb%3Fc%26d%25e%2Ff%3Dg");
    expect(percentEncode(Buffer.from("abc"), true)).toBe("%61%62%63");
    const text = formatPkcs11Uri([
      ["token", "My Token"],
      ["id", Buffer.from([0, 1, 0xff])],
      ["object", "key #1;x"],
      ["type", "private"],
    ]);
    expect(text).toBe("pkcs11:token=My%20Token;id=%00%01%FF;object=key%20%231%3Bx;type=private");
    const back = parsePkcs11Uri(text);
    expect(back.path.get("id")).toEqual(Buffer.from([0, 1, 0xff]));
    expect(pathText(back, "object")).toBe("key #1;x");
  });
});

describe("PKCS#11 pin-source", () => {
  it("reads env:NAME, and refuses an unset variable or an unknown form without showing a PIN", () => {
    expect(readPinSource("env:P", { P: "1234" })).toBe("1234");
    expect(() => readPinSource("env:P", {})).toThrow(/environment variable P is not set or empty/);
    expect(() => readPinSource("vault:x", {})).toThrow(/pin-source must be env:NAME, file:PATH or an absolute path/);
    expect(() => readPinSource("file:/nonexistent/pin", {})).toThrow(/could not be read \(ENOENT\)/);
  });

  it("defaults to p11-kit's proxy module", () => {
    expect(defaultModulePath("linux")).toBe("p11-kit-proxy.so");
    expect(defaultModulePath("darwin")).toBe("p11-kit-proxy.dylib");
  });
});

describe("CKM_ECDSA r‖s to DER", () => {
  it("converts raw signatures so node:crypto verifies them, for P-256, P-384 and P-521", () => {
    for (const namedCurve of ["P-256", "P-384", "P-521"]) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
      for (let i = 0; i < 8; i++) {
        const m = Buffer.from(`message ${i}`);
        const raw = sign("sha256", m, { key: privateKey, dsaEncoding: "ieee-p1363" });
        const der = ecdsaRawToDer(raw);
        expect(der[0]).toBe(0x30);
        expect(verify("sha256", m, { key: publicKey, dsaEncoding: "der" }, der)).toBe(true);
      }
    }
  });

  it("encodes leading zero bytes and high bits as DER INTEGERs", () => {
    const raw = Buffer.concat([Buffer.alloc(31), Buffer.from([0x05]), Buffer.from([0x80]), Buffer.alloc(31, 1)]);
    expect(ecdsaRawToDer(raw).toString("hex")).toBe("3026020105022100" + "80" + "01".repeat(31));
  });

  it("refuses an odd or empty signature", () => {
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).toThrow(/not r‖s/);
    expect(() => ecdsaRawToDer(Buffer.alloc(0))).toThrow(/not r‖s/);
  });
});

describe("TPM key files", () => {
  it("refuse a TSS2 PRIVATE KEY file with a message naming the tpm2-pkcs11 route", async () => {
    const { loadPrivateKey } = await import("../../../src/identity/load.js");
    const pem = `-----BEGIN TSS2 PRIVATE KEY-----\n${Buffer.from("0123456789abcdef0123456789").toString("base64")}\n-----END TSS2 PRIVATE KEY-----\n`;
    const err = await loadPrivateKey(pem).catch((e: unknown) => e as { code: string; message: string; hint: string });
    expect(err).toMatchObject({ code: "NOT_SUPPORTED" });
    expect((err as { message: string }).message).toMatch(/TPM key files \(TSS2 PRIVATE KEY\) are not supported/);
    expect((err as { hint: string }).hint).toMatch(/tpm2-pkcs11.*pkcs11: URIs/);
  });
});
