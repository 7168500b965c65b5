import { generateKeyPairSync, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { certFactsFromDer } from "../../../src/doctor/cert-facts.js";
import { checkLeafCertificate, sourceIdentityOf } from "../../../src/doctor/check-certificate.js";
import { createRootCa } from "../../../src/pki/index.js";
import { goodPki, leafWith, lineOf, NOW } from "./fixtures.js";

/** A certificate made by node-forge (an independent encoder): X.509 v1 and/or MD5 when asked. */
function forgeCertificate(opts: { version: 0 | 2; md: "md5" | "sha256"; cn?: string }): X509Certificate {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }) as string) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.version = opts.version;
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = "0a";
  cert.validity.notBefore = new Date(Date.UTC(2029, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2031, 0, 1));
  const name = [{ name: "commonName", value: opts.cn ?? "FORGED" }, { name: "organizationName", value: "Example" }];
  cert.setSubject(name);
  cert.setIssuer(name);
  if (opts.version === 2) {
    cert.setExtensions([
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    ]);
  }
  cert.sign(key, opts.md === "md5" ? forge.md.md5.create() : forge.md.sha256.create());
  return new X509Certificate(forge.pki.certificateToPem(cert));
}

describe("certificate facts", () => {
  it("reads version, flags, key usage, algorithm and names of PKI certificates", async () => {
    const { root, leaf } = await goodPki();
    const r = certFactsFromDer(root.certDer);
    expect(r).toMatchObject({ version: 3, basicConstraints: { ca: true }, subject: "CN=TEST ROOT", issuer: "CN=TEST ROOT", commonName: "TEST ROOT" });
    expect(r.keyUsage).toEqual(["digitalSignature", "keyCertSign", "cRLSign"]);
    const l = certFactsFromDer(leaf.certDer);
    expect(l).toMatchObject({ version: 3, basicConstraints: { ca: false }, keyUsage: ["digitalSignature"], issuer: "CN=TEST INTERMEDIATE" });
    expect(l.signatureAlgorithm).toEqual({ name: "ecdsa-with-SHA256", hash: "SHA-256", weak: false });
    expect(l.serialHex).toBe(leaf.serialHex);
    expect(l.notAfter.getTime()).toBe(new Date(new X509Certificate(leaf.certDer).validTo).getTime());
  });

  it("reads a path length, a multi-attribute subject and a missing keyUsage", async () => {
    const ca = await createRootCa({ subject: "CN=PATHLEN,OU=Ops,O=Example,C=US", pathLength: 1, keyUsages: null, now: new Date(NOW) });
    const f = certFactsFromDer(ca.certDer);
    expect(f.basicConstraints).toEqual({ ca: true, pathLength: 1 });
    expect(f.keyUsage).toBeUndefined();
    expect(f.subject).toBe("CN=PATHLEN,OU=Ops,O=Example,C=US");
  });

  it("reads an X.509 v1 certificate made by node-forge, with no extensions", () => {
    const f = certFactsFromDer(forgeCertificate({ version: 0, md: "sha256" }).raw);
    expect(f.version).toBe(1);
    expect(f.basicConstraints).toBeUndefined();
    expect(f.keyUsage).toBeUndefined();
    expect(f.subject).toBe("O=Example,CN=FORGED");
    expect(f.serialHex).toBe("0a");
  });

  it("fails a v1 leaf and an MD5-signed leaf with what to do", () => {
    const v1 = checkLeafCertificate(forgeCertificate({ version: 0, md: "sha256" }), NOW);
    expect(lineOf(v1, "certificate version")).toMatchObject({ status: "fail", detail: "X.509 v1; IAM Roles Anywhere accepts only v3 certificates" });
    expect(lineOf(v1, "certificate version").fix).toMatch(/as X.509 v3/);
    const md5 = checkLeafCertificate(forgeCertificate({ version: 2, md: "md5" }), NOW);
    expect(lineOf(md5, "certificate version").status).toBe("pass");
    expect(lineOf(md5, "key usage")).toMatchObject({ status: "pass", detail: "digitalSignature, keyEncipherment" });
    expect(lineOf(md5, "signature algorithm")).toMatchObject({
      status: "fail",
      detail: "signed with md5WithRSAEncryption (MD5); IAM Roles Anywhere needs SHA-256 or stronger",
    });
  });

  it("names the SHA-1 signature of a PKI leaf", async () => {
    const leaf = await leafWith({ signatureHash: "SHA-1" });
    expect(certFactsFromDer(leaf.certDer).signatureAlgorithm).toEqual({ name: "ecdsa-with-SHA1", hash: "SHA-1", weak: true });
  });

  it("derives the source identity from the CN, or the serial without one", () => {
    expect(sourceIdentityOf({ commonName: "host-1", serialHex: "0a" })).toBe("CN=host-1");
    expect(sourceIdentityOf({ commonName: "x".repeat(62), serialHex: "0a" })).toBe("x".repeat(62));
    expect(sourceIdentityOf({ commonName: "x".repeat(65), serialHex: "4567" })).toBe("ID=4567");
    expect(sourceIdentityOf({ serialHex: "0123" })).toBe("ID=0123");
  });
});
