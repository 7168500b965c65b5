import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertInfo, type CertInfo } from "../../../src/emulator/cert-info.js";
import { resolveConfig, type ResolvedTrustAnchor } from "../../../src/emulator/config.js";
import { serialHexEven, sourceIdentityOf } from "../../../src/emulator/create-session.js";
import { ChainValidator, checkLeaf } from "../../../src/emulator/validate-chain.js";
import { createCrl, createIntermediateCa, createRootCa, generateKeyPair, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";

const DAY = 86_400_000;
const now = Date.UTC(2030, 0, 15, 12, 0, 0);
const at = new Date(now);
let root: IssuedCertificate;
let inter: IssuedCertificate;
let shortInter: IssuedCertificate;
let leaf: IssuedCertificate;
let leafUnderShort: IssuedCertificate;
let anchor: ResolvedTrustAnchor;
const info = (c: IssuedCertificate): CertInfo => parseCertInfo(c.certDer);

function anchorWith(crls: string[] = []): ResolvedTrustAnchor {
  return resolveConfig(
    { trustAnchors: [{ name: "ta", certificates: [root.certPem], crls }], profiles: [{ name: "p", roleArns: ["arn:aws:iam::123456789012:role/r"] }] },
    { baseDir: "/" },
  ).trustAnchors[0]!;
}

beforeAll(async () => {
  root = await createRootCa({ now: at });
  inter = await createIntermediateCa(root, { now: at });
  shortInter = await createIntermediateCa(root, { now: at, subject: "CN=SHORT LIVED CA", notAfter: new Date(now + DAY) });
  leaf = await issueClientCertificate(inter, { now: at, subject: "CN=unit leaf,O=TEST" });
  leafUnderShort = await issueClientCertificate(shortInter, { now: at });
  anchor = anchorWith();
});

describe("checkLeaf", () => {
  it("accepts a good leaf and refuses each broken rule with its kind", async () => {
    expect(checkLeaf(info(leaf), now)).toBeUndefined();
    expect(checkLeaf(info(leaf), info(leaf).notAfter + 1)?.kind).toBe("leaf-expired");
    expect(checkLeaf(info(leaf), info(leaf).notBefore - 1)?.kind).toBe("leaf-not-yet-valid");
    expect(checkLeaf(info(await issueClientCertificate(root, { now: at, ca: true })), now)?.kind).toBe("leaf-ca");
    expect(checkLeaf(info(await issueClientCertificate(root, { now: at, keyUsages: ["keyEncipherment"] })), now)?.kind).toBe("leaf-key-usage");
    expect(checkLeaf(info(await issueClientCertificate(root, { now: at, signatureHash: "SHA-1" })), now)).toMatchObject({
      kind: "leaf-weak-signature",
      reason: expect.stringMatching(/sha1|SHA-1/i),
    });
    expect(checkLeaf(info(await issueClientCertificate(root, { now: at, subject: "" })), now)?.kind).toBe("leaf-empty-subject");
  });
});

describe("key policy", () => {
  it.each([
    ["rsa-1024", /RSA key of 1024 bits/],
    ["secp256k1", /EC curve secp256k1/],
    ["ed25519", /key algorithm .* is not supported/],
  ])("refuses the openssl-made %s leaf of fixtures/interop/refused", (name, why) => {
    const pem = readFileSync(new URL(`../../../fixtures/interop/refused/${name}-cert.pem`, import.meta.url), "utf8");
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    const problem = checkLeaf(parseCertInfo(der), Date.now());
    expect(problem?.kind).toBe("leaf-unsupported-key");
    expect(problem?.reason).toMatch(why);
  });
});

describe("source identity and default session name", () => {
  it("follows protocol.md §3 item 14", () => {
    expect(sourceIdentityOf({ commonName: "host-1", serialHex: "ABC" })).toBe("CN=host-1");
    expect(sourceIdentityOf({ commonName: "a".repeat(61), serialHex: "1" })).toBe(`CN=${"a".repeat(61)}`);
    expect(sourceIdentityOf({ commonName: "b".repeat(62), serialHex: "1" })).toBe("b".repeat(62));
    expect(sourceIdentityOf({ commonName: "c".repeat(64), serialHex: "1" })).toBe("c".repeat(64));
    expect(sourceIdentityOf({ serialHex: "123" })).toBe("ID=0123");
    expect(sourceIdentityOf({ serialHex: "4567" })).toBe("ID=4567");
    expect(sourceIdentityOf({ commonName: "no<angle>", serialHex: "ABCDEF" })).toBe("ID=abcdef");
  });
  it("uses the lowercase, even-length hex serial as the session name", () => {
    expect(serialHexEven({ serialHex: "ABC" })).toBe("0abc");
    expect(serialHexEven({ serialHex: "1F" })).toBe("1f");
  });
});

describe("ChainValidator", () => {
  it("builds once per exact certificates and trust anchor revision, and re-checks dates on every call", async () => {
    const v = new ChainValidator();
    const key = "leaf\nshort";
    const r1 = await v.validate(key, info(leafUnderShort), [info(shortInter)], anchor, 1, now);
    expect(r1.ok).toBe(true);
    const r2 = await v.validate(key, info(leafUnderShort), [info(shortInter)], anchor, 1, now + 1000);
    expect(r2.ok).toBe(true);
    expect(v.builds).toBe(1);
    const later = await v.validate(key, info(leafUnderShort), [info(shortInter)], anchor, 1, now + 2 * DAY);
    expect(later).toMatchObject({ ok: false, failure: { kind: "untrusted", reason: expect.stringContaining("SHORT LIVED CA expired") } });
    expect(v.builds).toBe(1);
    await v.validate(key, info(leafUnderShort), [info(shortInter)], anchor, 2, now);
    expect(v.builds).toBe(2);
  });

  it("returns the path leaf → intermediate → anchor whatever the chain order, ignoring a leaf copy and unrelated certificates", async () => {
    const v = new ChainValidator();
    const stranger = await issueClientCertificate(await createRootCa({ now: at, privateKey: generateKeyPair("ec-p256").privateKey }), { now: at });
    const r = await v.validate("k", info(leaf), [info(root), info(stranger), info(leaf), info(inter)], anchor, 1, now);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.path.map((c) => c.subject)).toEqual([info(leaf).subject, info(inter).subject, info(root).subject]);
  });

  it("finds revocation in a CRL of the anchor only when the CRL is signed by the issuer", async () => {
    const v = new ChainValidator();
    const revoking = await createCrl(inter, [{ serialHex: leaf.serialHex }], { thisUpdate: at });
    const r = await v.validate("k", info(leaf), [info(inter)], anchorWith([revoking.pem]), 1, now);
    expect(r).toMatchObject({ ok: false, failure: { kind: "revoked" } });
    // Same issuer name, other key: not a CRL of this issuer, so it is ignored.
    const impostor = await createIntermediateCa(root, { now: at, subject: "CN=TEST INTERMEDIATE" });
    const forged = await createCrl(impostor, [{ serialHex: leaf.serialHex }], { thisUpdate: at });
    const r2 = await v.validate("k2", info(leaf), [info(inter)], anchorWith([forged.pem]), 1, now);
    expect(r2.ok).toBe(true);
  });
});
