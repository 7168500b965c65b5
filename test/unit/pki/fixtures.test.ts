import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyTypeOf } from "../../../src/pki/index.js";
import { hasOpenssl, NEEDS_OPENSSL, openssl } from "./openssl.js";

// The committed fixtures/pki sets (made by scripts/gen-fixtures.mjs) must agree with their meta.json.
const FIXTURES = join(import.meta.dirname, "..", "..", "..", "fixtures", "pki");
const KEY_TYPES = ["rsa-2048", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"];

interface CertMeta {
  subject: string;
  issuer: string;
  serialHex: string;
  serialHexUpper: string;
  serialDecimal: string;
  notBefore: string;
  notAfter: string;
  spkiSha256: string;
  certSha256: string;
  derBase64: string;
}
interface Meta {
  keyType: string;
  signingAlgorithm: string;
  leaf: CertMeta & { sourceIdentity: string; sanDns: string[]; sanUri: string[] };
  intermediate: CertMeta;
  root: CertMeta;
  readCertificateData: { keyType: string; certificateData: string; serialNumber: string; supportedAlgorithms: string[] };
  readCertificateDataJson: string;
}

it("has one fixture set per key type", () => {
  expect(readdirSync(FIXTURES).filter((n) => !n.includes(".")).sort()).toEqual([...KEY_TYPES].sort());
});

describe.each(KEY_TYPES)("fixtures/pki/%s", (kt) => {
  const dir = join(FIXTURES, kt);
  const read = (name: string) => readFileSync(join(dir, name));
  const meta = JSON.parse(read("meta.json").toString("utf8")) as Meta;
  const root = new X509Certificate(read("root-cert.pem"));
  const intermediate = new X509Certificate(read("intermediate-cert.pem"));
  const leaf = new X509Certificate(read("leaf-cert.pem"));

  it("holds the same leaf in PEM, DER and meta.json", () => {
    expect(leaf.raw.equals(read("leaf-cert.der"))).toBe(true);
    expect(leaf.raw.toString("base64")).toBe(meta.leaf.derBase64);
    expect(root.raw.toString("base64")).toBe(meta.root.derBase64);
    expect(intermediate.raw.toString("base64")).toBe(meta.intermediate.derBase64);
    expect(read("leaf-fullchain.pem").toString("utf8")).toBe(read("leaf-cert.pem").toString("utf8") + read("intermediate-cert.pem").toString("utf8"));
  });

  it("records serials, SPKI and certificate hashes that match the certificates", () => {
    for (const [cert, m] of [[leaf, meta.leaf], [intermediate, meta.intermediate], [root, meta.root]] as const) {
      expect(BigInt(`0x${cert.serialNumber}`).toString()).toBe(m.serialDecimal);
      expect(BigInt(`0x${m.serialHex}`).toString()).toBe(m.serialDecimal);
      expect(m.serialHexUpper).toBe(cert.serialNumber.replace(/^0+(?=.)/, ""));
      expect(createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("hex")).toBe(m.spkiSha256);
      expect(createHash("sha256").update(cert.raw).digest("hex")).toBe(m.certSha256);
      expect(new Date(cert.validTo).toISOString()).toBe(m.notAfter);
    }
  });

  it("stays valid until at least 2050 and has the leaf inside its CAs' validity", () => {
    expect(new Date(leaf.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    expect(new Date(leaf.validTo).getTime()).toBeLessThanOrEqual(new Date(intermediate.validTo).getTime());
    expect(new Date(leaf.validFrom).getTime()).toBeGreaterThanOrEqual(new Date(intermediate.validFrom).getTime());
  });

  it("chains leaf → intermediate → root, with the leaf not a CA", () => {
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect([root.ca, intermediate.ca, leaf.ca]).toEqual([true, true, false]);
    expect(leaf.subject.split("\n").reverse().join(",")).toBe(meta.leaf.subject);
    expect(meta.leaf.issuer).toBe(meta.intermediate.subject);
  });

  it("has an unencrypted PKCS#8 leaf key of the named type that matches the leaf", () => {
    const pem = read("leaf-key.pem").toString("utf8");
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(pem);
    expect(keyTypeOf(key)).toBe(kt);
    expect(leaf.checkPrivateKey(key)).toBe(true);
  });

  it("records the expected read-certificate-data output", () => {
    const isRsa = kt.startsWith("rsa-");
    expect(JSON.parse(meta.readCertificateDataJson)).toEqual(meta.readCertificateData);
    expect(meta.readCertificateData).toEqual({
      keyType: isRsa ? "RSA" : "EC",
      certificateData: meta.leaf.derBase64,
      serialNumber: meta.leaf.serialDecimal,
      supportedAlgorithms: isRsa ? ["RSASHA256", "RSASHA384", "RSASHA512"] : ["ECSHA256", "ECSHA384", "ECSHA512"],
    });
    expect(meta.signingAlgorithm).toBe(isRsa ? "AWS4-X509-RSA-SHA256" : "AWS4-X509-ECDSA-SHA256");
    expect(meta.leaf.sourceIdentity).toBe(`CN=TEST CLIENT ${kt.toUpperCase()}`);
  });

  it.skipIf(!hasOpenssl)(`passes openssl verify with the intermediate as -untrusted${NEEDS_OPENSSL}`, () => {
    const r = openssl(["verify", "-CAfile", join(dir, "root-cert.pem"), "-untrusted", join(dir, "intermediate-cert.pem"), join(dir, "leaf-cert.pem")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
