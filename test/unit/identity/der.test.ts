import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { certificateFields, classifyDer, decodeOid, isSingleDerElement, OID, pkcs8AlgorithmOid, readTime, readTlv, type DerKind } from "../../../src/identity/der.js";
import { interop, KEY_NAMES, manifest, official, sha256 } from "./helpers.js";
import { parsePem } from "../../../src/identity/pem.js";

describe("classifyDer", () => {
  const cases: [string, DerKind][] = [
    ["rsa-2048/cert.der", "certificate"],
    ["rsa-2048/key-pkcs8.der", "pkcs8"],
    ["rsa-2048/key-pkcs8-encrypted.der", "encrypted-pkcs8"],
    ["rsa-2048/key-pkcs1.der", "pkcs1"],
    ["ec-p256/key-sec1.der", "sec1"],
    ["ec-p256/key-pkcs8.der", "pkcs8"],
    ["ec-p256/modern.p12", "pkcs12"],
    ["rsa-2048/legacy-3des.p12", "pkcs12"],
  ];
  it.each(cases)("tells %s is %s", (file, kind) => {
    expect(classifyDer(readFileSync(interop(file)))).toBe(kind);
  });

  it("calls non-DER bytes unknown without throwing", () => {
    expect(classifyDer(Buffer.from("hello"))).toBe("unknown");
    expect(classifyDer(Buffer.from([0x30, 0x82, 0xff]))).toBe("unknown");
    expect(classifyDer(Buffer.alloc(0))).toBe("unknown");
  });
});

describe("DER reading", () => {
  it("decodes object identifiers, including large arcs", () => {
    expect(decodeOid(Buffer.from("2a864886f70d010101", "hex"))).toBe(OID.rsaEncryption);
    expect(decodeOid(Buffer.from("608648016503040311", "hex"))).toBe(OID.mlDsa44);
    expect(decodeOid(Buffer.from("2b81040022", "hex"))).toBe("1.3.132.0.34");
    expect(() => decodeOid(Buffer.from("2a86", "hex"))).toThrow(/truncated OID/);
  });

  it("refuses indefinite lengths and elements running past the end", () => {
    expect(() => readTlv(Buffer.from("3080", "hex"))).toThrow(/indefinite/);
    expect(() => readTlv(Buffer.from("300501", "hex"))).toThrow(/truncated/);
    expect(isSingleDerElement(Buffer.from("3000", "hex"))).toBe(true);
    expect(isSingleDerElement(Buffer.from("300000", "hex"))).toBe(false);
  });

  it("reads UTCTime and GeneralizedTime", () => {
    const utc = Buffer.concat([Buffer.from([0x17, 13]), Buffer.from("491231235959Z")]);
    expect(readTime(utc, readTlv(utc)).toISOString()).toBe("2049-12-31T23:59:59.000Z");
    const utc19 = Buffer.concat([Buffer.from([0x17, 13]), Buffer.from("500101000000Z")]);
    expect(readTime(utc19, readTlv(utc19)).toISOString()).toBe("1950-01-01T00:00:00.000Z");
    const gen = Buffer.concat([Buffer.from([0x18, 15]), Buffer.from("20510715013400Z")]);
    expect(readTime(gen, readTlv(gen)).toISOString()).toBe("2051-07-15T01:34:00.000Z");
  });

  it("finds the algorithm of a PKCS#8 key", () => {
    expect(pkcs8AlgorithmOid(readFileSync(interop("ec-p384/key-pkcs8.der")))).toBe(OID.ecPublicKey);
    expect(pkcs8AlgorithmOid(Buffer.from("hello"))).toBeUndefined();
  });
});

describe("certificateFields", () => {
  it.each(KEY_NAMES)("reads %s's serial and public key as openssl does", (name) => {
    const der = readFileSync(interop(name, "cert.der"));
    const fields = certificateFields(der);
    const meta = manifest.leaves[name];
    expect(BigInt(`0x${fields.serial.toString("hex")}`).toString()).toBe(meta.serialDecimal);
    expect(sha256(fields.spki)).toBe(meta.spkiSha256);
    expect(sha256(der)).toBe(meta.sha256);
    expect(fields.keyAlgorithm).toBe(meta.keyType === "RSA" ? OID.rsaEncryption : OID.ecPublicKey);
    expect(fields.notAfter.getTime()).toBeGreaterThan(fields.notBefore.getTime());
  });

  it("reads the curve of EC certificates", () => {
    expect(certificateFields(readFileSync(interop("ec-p521/cert.der"))).curve).toBe(OID.p521);
  });

  it("reads ML-DSA certificates without Node's help", () => {
    const [block] = parsePem(readFileSync(official("tst/mldsa-fixtures/mldsa44-cert.pem"), "utf8"), { what: "certificate", label: "t" });
    const fields = certificateFields(block!.der);
    expect(fields.keyAlgorithm).toBe(OID.mlDsa44);
    expect(fields.serial.toString("hex").toUpperCase()).toBe("42949F2D793CE1EE77A8BC5E1AA62770E43BA83A");
    expect(fields.notAfter.toISOString()).toBe("2053-06-09T18:09:02.000Z");
  });
});
