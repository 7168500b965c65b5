import { beforeAll, describe, expect, it } from "vitest";
import { createCrl, createIntermediateCa, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { x509 } from "../../../src/pki/x509-runtime.js";
import { hasOpenssl, NEEDS_OPENSSL, openssl, tempFiles } from "./openssl.js";

const NOW = new Date("2030-06-15T12:00:00Z");
const DAY = 24 * 60 * 60_000;

let root: IssuedCertificate;
let rsaRoot: IssuedCertificate;
let otherRoot: IssuedCertificate;
let revokedLeaf: IssuedCertificate;
let goodLeaf: IssuedCertificate;

beforeAll(async () => {
  root = await createRootCa({ now: NOW });
  rsaRoot = await createRootCa({ keyType: "rsa-2048", now: NOW });
  otherRoot = await createRootCa({ now: NOW });
  revokedLeaf = await issueClientCertificate(root, { now: NOW });
  goodLeaf = await issueClientCertificate(root, { now: NOW });
});

describe("createCrl", () => {
  it("lists the revoked serials with their dates, and the validity window", async () => {
    const when = new Date(NOW.getTime() - DAY);
    const { pem, der } = await createCrl(root, [{ serialHex: revokedLeaf.serialHex, date: when }, { serialHex: "0x0abc" }], {
      thisUpdate: NOW,
      nextUpdate: new Date(NOW.getTime() + 7 * DAY),
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n$/);
    const crl = new x509.X509Crl(der);
    expect(crl.issuer).toBe("CN=TEST ROOT");
    expect(crl.thisUpdate.toISOString()).toBe(NOW.toISOString());
    expect(crl.nextUpdate?.toISOString()).toBe(new Date(NOW.getTime() + 7 * DAY).toISOString());
    expect(crl.entries.map((e) => [e.serialNumber, e.revocationDate.toISOString()])).toEqual([
      [revokedLeaf.serialHex, when.toISOString()],
      ["0abc", NOW.toISOString()],
    ]);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(root.certDer) })).toBe(true);
    expect(await crl.verify({ publicKey: new x509.X509Certificate(otherRoot.certDer) })).toBe(false);
  });

  it("defaults nextUpdate to thisUpdate + 30 days and carries AKI and CRL number", async () => {
    const { der } = await createCrl(root, [], { thisUpdate: NOW, crlNumber: 300 });
    const crl = new x509.X509Crl(der);
    expect(crl.nextUpdate?.getTime()).toBe(NOW.getTime() + 30 * DAY);
    expect(crl.entries).toHaveLength(0);
    const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension);
    const ski = new x509.X509Certificate(root.certDer).getExtension(x509.SubjectKeyIdentifierExtension);
    expect(aki?.keyId).toBe(ski?.keyId);
    const number = crl.extensions.find((e) => e.type === "2.5.29.20");
    expect(Buffer.from(number!.value).toString("hex")).toBe("0202012c");
  });

  it("refuses a serial listed twice and a nextUpdate before thisUpdate", async () => {
    await expect(createCrl(root, [{ serialHex: "01" }, { serialHex: "0x0001" }])).rejects.toThrow(/lists serial 01 twice/);
    await expect(createCrl(root, [], { thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() - 1) })).rejects.toThrow(/before thisUpdate/);
  });

  it.skipIf(!hasOpenssl)(`verifies with openssl crl -verify and lists the revoked serial${NEEDS_OPENSSL}`, async () => {
    for (const ca of [root, rsaRoot]) {
      const { pem } = await createCrl(ca, [{ serialHex: revokedLeaf.serialHex }], { thisUpdate: NOW });
      const t = tempFiles({ "root.pem": ca.certPem, "crl.pem": pem });
      try {
        const r = openssl(["crl", "-in", t.path("crl.pem"), "-CAfile", t.path("root.pem"), "-verify", "-noout", "-text"]);
        expect(r.status).toBe(0);
        expect(r.stderr).toMatch(/verify OK/);
        expect(r.stdout).toContain(`Serial Number: ${revokedLeaf.serialHex.toUpperCase()}`);
        expect(r.stdout).toMatch(/CRL Number:\s+1/);
        expect(r.stdout).toContain(ca === rsaRoot ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256");
      } finally {
        t.cleanup();
      }
    }
  });

  it.skipIf(!hasOpenssl)(`makes openssl verify -crl_check refuse the revoked leaf and pass the other${NEEDS_OPENSSL}`, async () => {
    const { pem } = await createCrl(root, [{ serialHex: revokedLeaf.serialHex }], { thisUpdate: NOW });
    const t = tempFiles({ "root.pem": root.certPem, "crl.pem": pem, "revoked.pem": revokedLeaf.certPem, "good.pem": goodLeaf.certPem });
    try {
      const base = ["verify", "-attime", String(Math.floor(NOW.getTime() / 1000) + 60), "-crl_check", "-CAfile", t.path("root.pem"), "-CRLfile", t.path("crl.pem")];
      const bad = openssl([...base, t.path("revoked.pem")]);
      expect(bad.status).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/certificate revoked/);
      expect(openssl([...base, t.path("good.pem")]).status).toBe(0);
    } finally {
      t.cleanup();
    }
  });

  it.skipIf(!hasOpenssl)(`signs an intermediate's CRL with the intermediate's key${NEEDS_OPENSSL}`, async () => {
    const intermediate = await createIntermediateCa(root, { now: NOW, keyType: "ec-p384" });
    const { pem } = await createCrl(intermediate, [{ serialHex: "42" }], { thisUpdate: NOW });
    const t = tempFiles({ "chain.pem": intermediate.certPem + root.certPem, "crl.pem": pem });
    try {
      const r = openssl(["crl", "-in", t.path("crl.pem"), "-CAfile", t.path("chain.pem"), "-verify", "-noout", "-text"]);
      expect(r.stderr).toMatch(/verify OK/);
      expect(r.stdout).toContain("ecdsa-with-SHA384");
      expect(r.stdout).toContain("Issuer: CN = TEST INTERMEDIATE");
    } finally {
      t.cleanup();
    }
  });
});
