import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createIntermediateCa,
  createRootCa,
  generateKeyPair,
  generateKeyPairAsync,
  issueClientCertificate,
  keyTypeOf,
  PKI_KEY_TYPES,
  type IssuedCertificate,
  type PkiKeyType,
} from "../../../src/pki/index.js";
import { ConfigError } from "../../../src/errors.js";
import { x509 } from "../../../src/pki/x509-runtime.js";
import { extensionBlock, hasOpenssl, NEEDS_OPENSSL, openssl, tempFiles, x509Text } from "./openssl.js";

const NOW = new Date("2030-06-15T12:00:00Z");
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface Chain {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
  leaf: IssuedCertificate;
}

async function chainOf(keyType: PkiKeyType): Promise<Chain> {
  const root = await createRootCa({ keyType, now: NOW });
  const intermediate = await createIntermediateCa(root, { keyType, now: NOW });
  const leaf = await issueClientCertificate(intermediate, { keyType, now: NOW });
  return { root, intermediate, leaf };
}

/** Verifies leaf ← [intermediate] ← root with `openssl verify` at NOW. */
function opensslVerify(root: IssuedCertificate, leaf: IssuedCertificate, untrusted?: IssuedCertificate) {
  const t = tempFiles({ "root.pem": root.certPem, "leaf.pem": leaf.certPem, ...(untrusted ? { "inter.pem": untrusted.certPem } : {}) });
  try {
    const at = String(Math.floor(NOW.getTime() / 1000));
    return openssl(["verify", "-attime", at, "-CAfile", t.path("root.pem"), ...(untrusted ? ["-untrusted", t.path("inter.pem")] : []), t.path("leaf.pem")]);
  } finally {
    t.cleanup();
  }
}

const SIG_ALG: Record<string, string> = {
  "rsa-2048": "sha256WithRSAEncryption",
  "ec-p256": "ecdsa-with-SHA256",
  "ec-p384": "ecdsa-with-SHA384",
  "ec-p521": "ecdsa-with-SHA512",
};
const chains = new Map<string, Chain>();

beforeAll(async () => {
  for (const kt of Object.keys(SIG_ALG) as PkiKeyType[]) chains.set(kt, await chainOf(kt));
});

describe.each(Object.keys(SIG_ALG))("a %s root → intermediate → client chain", (kt) => {
  const get = () => chains.get(kt)!;

  it("verifies with node:crypto: each certificate is signed by, and names, its issuer", () => {
    const { root, intermediate, leaf } = get();
    expect(root.x509.verify(root.x509.publicKey)).toBe(true);
    expect(intermediate.x509.verify(root.x509.publicKey)).toBe(true);
    expect(leaf.x509.verify(intermediate.x509.publicKey)).toBe(true);
    expect(leaf.x509.verify(root.x509.publicKey)).toBe(false);
    expect(leaf.x509.checkIssued(intermediate.x509)).toBe(true);
    expect(intermediate.x509.checkIssued(root.x509)).toBe(true);
  });

  it("marks the CAs CA:TRUE and the client CA:FALSE, with the default subjects and key type", () => {
    const { root, intermediate, leaf } = get();
    expect([root.x509.ca, intermediate.x509.ca, leaf.x509.ca]).toEqual([true, true, false]);
    expect([root.subject, intermediate.subject, leaf.subject]).toEqual(["CN=TEST ROOT", "CN=TEST INTERMEDIATE", "CN=TEST CLIENT"]);
    expect(leaf.x509.issuer).toBe("CN=TEST INTERMEDIATE");
    expect(leaf.keyType).toBe(kt);
  });

  it("returns matching PEM, DER, PKCS#8 key and serial forms", () => {
    const { leaf } = get();
    expect(new X509Certificate(leaf.certPem).raw.equals(leaf.certDer)).toBe(true);
    expect(leaf.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(leaf.x509.checkPrivateKey(leaf.privateKey)).toBe(true);
    expect(leaf.serialHex.toUpperCase()).toBe(leaf.x509.serialNumber.padStart(leaf.serialHex.length, "0"));
    expect(BigInt(`0x${leaf.serialHex}`).toString()).toBe(leaf.serialDecimal);
    expect(leaf.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it.skipIf(!hasOpenssl)(`passes openssl verify with the intermediate as -untrusted${NEEDS_OPENSSL}`, () => {
    const { root, intermediate, leaf } = get();
    const r = opensslVerify(root, leaf, intermediate);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/: OK$/m);
    expect(opensslVerify(root, intermediate).status).toBe(0);
  });

  it.skipIf(!hasOpenssl)(`fails openssl verify without the intermediate${NEEDS_OPENSSL}`, () => {
    const { root, leaf } = get();
    const r = opensslVerify(root, leaf);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/unable to get local issuer certificate/);
  });

  it.skipIf(!hasOpenssl)(`shows the Roles Anywhere extensions and signature algorithm in openssl x509 -text${NEEDS_OPENSSL}`, () => {
    const { root, intermediate, leaf } = get();
    for (const ca of [root, intermediate]) {
      const text = x509Text(ca.certPem);
      expect(text).toMatch(/Version: 3 \(0x2\)/);
      expect(extensionBlock(text, "Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE");
      expect(extensionBlock(text, "Key Usage")).toBe("X509v3 Key Usage: critical\nDigital Signature, Certificate Sign, CRL Sign");
      expect(extensionBlock(text, "Subject Key Identifier")).toBeDefined();
      expect(extensionBlock(text, "Authority Key Identifier")).toBeDefined();
    }
    const text = x509Text(leaf.certPem);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(extensionBlock(text, "Basic Constraints")).toBe("X509v3 Basic Constraints:\nCA:FALSE");
    expect(extensionBlock(text, "Key Usage")).toBe("X509v3 Key Usage: critical\nDigital Signature");
    expect(extensionBlock(text, "Extended Key Usage")).toBeUndefined();
    expect(text).toContain(`Signature Algorithm: ${SIG_ALG[kt]}`);
    expect(text).not.toMatch(/rsassaPss/i);
  });
});

describe("certificate identifiers", () => {
  it("sets SKI to the SHA-1 of the public key bits and AKI to the issuer's SKI", () => {
    const { root, leaf } = chains.get("ec-p256")!;
    const jwk = createPublicKey(leaf.privateKey).export({ format: "jwk" });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    const expectedSki = createHash("sha1").update(point).digest("hex").toUpperCase().match(/../g)!.join(":");
    expect(leaf.x509.verify(root.x509.publicKey)).toBe(false);
    if (hasOpenssl) {
      const text = x509Text(leaf.certPem);
      expect(extensionBlock(text, "Subject Key Identifier")).toBe(`X509v3 Subject Key Identifier:\n${expectedSki}`);
      const interText = x509Text(chains.get("ec-p256")!.intermediate.certPem);
      const interSki = extensionBlock(interText, "Subject Key Identifier")!.split("\n")[1];
      expect(extensionBlock(text, "Authority Key Identifier")).toContain(interSki);
    }
  });
});

describe("certificate options", () => {
  it("counts default validity from `now`: client now−5 min to +365 days, CA +10 years", async () => {
    const { root, leaf } = chains.get("ec-p256")!;
    expect(new Date(leaf.x509.validFrom).getTime()).toBe(NOW.getTime() - 5 * MINUTE);
    expect(new Date(leaf.x509.validTo).getTime()).toBe(NOW.getTime() + 365 * DAY);
    expect(new Date(root.x509.validTo).getTime()).toBe(NOW.getTime() + 3650 * DAY);
  });

  it("uses the given subject, serial, validity and SANs", async () => {
    const { root } = chains.get("ec-p256")!;
    const leaf = await issueClientCertificate(root, {
      subject: "CN=worker-1,OU=Ops,O=Example,C=US",
      serial: 0x8001n,
      notBefore: new Date("2031-01-01T00:00:00Z"),
      notAfter: new Date("2055-01-01T00:00:00Z"),
      sanDns: ["a.example.test", "b.example.test"],
      sanUri: ["spiffe://example.test/w1"],
    });
    expect(leaf.subject).toBe("CN=worker-1,OU=Ops,O=Example,C=US");
    expect(leaf.x509.subject).toBe("C=US\nO=Example\nOU=Ops\nCN=worker-1");
    expect([leaf.serialHex, leaf.serialDecimal, leaf.x509.serialNumber]).toEqual(["8001", "32769", "8001"]);
    expect(new Date(leaf.x509.validTo).toISOString()).toBe("2055-01-01T00:00:00.000Z");
    expect(leaf.x509.subjectAltName).toBe("DNS:a.example.test, DNS:b.example.test, URI:spiffe://example.test/w1");
  });

  it("reuses a given private key and reports its key type", async () => {
    const { root } = chains.get("ec-p256")!;
    const { privateKey } = generateKeyPair("ec-p384");
    const leaf = await issueClientCertificate(root, { privateKey, keyType: "rsa-2048" });
    expect(leaf.keyType).toBe("ec-p384");
    expect(leaf.x509.checkPrivateKey(privateKey)).toBe(true);
    expect(leaf.privateKey).toBe(privateKey);
  });

  it("signs with the issuer's key type: an RSA root signs an EC leaf with sha256WithRSAEncryption", async () => {
    const { root } = chains.get("rsa-2048")!;
    const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
    expect(leaf.x509.verify(root.x509.publicKey)).toBe(true);
    if (hasOpenssl) expect(x509Text(leaf.certPem)).toContain("Signature Algorithm: sha256WithRSAEncryption");
  });

  it("gives a CA a path length when asked", async () => {
    const root = await createRootCa({ pathLength: 1 });
    const text = hasOpenssl ? x509Text(root.certPem) : "";
    if (hasOpenssl) expect(extensionBlock(text, "Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE, pathlen:1");
    expect(root.x509.ca).toBe(true);
  });

  it("refuses an empty validity, a bad path length and an unparsable subject with ConfigError", async () => {
    const { root } = chains.get("ec-p256")!;
    await expect(issueClientCertificate(root, { notBefore: NOW, notAfter: new Date(NOW.getTime() - 1000) })).rejects.toThrow(
      /certificate validity is empty/,
    );
    await expect(createRootCa({ pathLength: -1 })).rejects.toThrow(ConfigError);
    await expect(issueClientCertificate(root, { subject: "not a dn" })).rejects.toThrow(/subject cannot be parsed/);
  });
});

describe("negative-test options", () => {
  it.skipIf(!hasOpenssl)(`makes a SHA-1 signed leaf${NEEDS_OPENSSL}`, async () => {
    const { root: rsaRoot } = chains.get("rsa-2048")!;
    const { root: ecRoot } = chains.get("ec-p256")!;
    const rsaLeaf = await issueClientCertificate(rsaRoot, { signatureHash: "SHA-1" });
    const ecLeaf = await issueClientCertificate(ecRoot, { signatureHash: "SHA-1" });
    expect(x509Text(rsaLeaf.certPem)).toContain("Signature Algorithm: sha1WithRSAEncryption");
    expect(x509Text(ecLeaf.certPem)).toContain("Signature Algorithm: ecdsa-with-SHA1");
    expect(rsaLeaf.x509.verify(rsaRoot.x509.publicKey)).toBe(true);
  });

  it("makes a leaf whose basicConstraints says CA:TRUE (keyUsage still digitalSignature only)", async () => {
    const { root } = chains.get("ec-p256")!;
    const leaf = await issueClientCertificate(root, { ca: true });
    const bc = new x509.X509Certificate(leaf.certDer).getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([true, true]);
    // node (OpenSSL X509_check_ca) also wants keyCertSign before it calls a certificate a CA
    expect(leaf.x509.ca).toBe(false);
    if (hasOpenssl) expect(extensionBlock(x509Text(leaf.certPem), "Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE");
  });

  it.skipIf(!hasOpenssl)(`omits keyUsage when keyUsages is null, and sets the listed usages otherwise${NEEDS_OPENSSL}`, async () => {
    const { root } = chains.get("ec-p256")!;
    const none = await issueClientCertificate(root, { keyUsages: null });
    expect(extensionBlock(x509Text(none.certPem), "Key Usage")).toBeUndefined();
    const enc = await issueClientCertificate(root, { keyUsages: ["keyEncipherment", "dataEncipherment"] });
    expect(extensionBlock(x509Text(enc.certPem), "Key Usage")).toBe("X509v3 Key Usage: critical\nKey Encipherment, Data Encipherment");
  });

  it("makes an empty subject", async () => {
    const { root } = chains.get("ec-p256")!;
    const leaf = await issueClientCertificate(root, { subject: "" });
    expect(leaf.subject).toBe("");
    expect(new x509.X509Certificate(leaf.certDer).subjectName.toJSON()).toEqual([]);
    expect(leaf.x509.issuer).toBe("CN=TEST ROOT");
  });

  it.skipIf(!hasOpenssl)(`makes an expired leaf that openssl refuses${NEEDS_OPENSSL}`, async () => {
    const { root } = chains.get("ec-p256")!;
    const leaf = await issueClientCertificate(root, { notBefore: new Date(NOW.getTime() - 2 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
    const r = opensslVerify(root, leaf);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/certificate has expired/);
  });
});

describe("generateKeyPair and keyTypeOf", () => {
  it.each(PKI_KEY_TYPES.filter((k) => k !== "rsa-4096"))("makes a %s key pair that keyTypeOf recognises", (kt) => {
    const { privateKey, publicKey } = generateKeyPair(kt);
    expect(keyTypeOf(privateKey)).toBe(kt);
    expect(keyTypeOf(publicKey)).toBe(kt);
  });
  it("makes key pairs off the event loop with generateKeyPairAsync", async () => {
    const { privateKey } = await generateKeyPairAsync("rsa-2048");
    expect(keyTypeOf(privateKey)).toBe("rsa-2048");
    await expect(generateKeyPairAsync("ec-p999" as PkiKeyType)).rejects.toThrow(/unsupported key type: 'ec-p999'/);
  });
  it("refuses unknown key types with UNSUPPORTED_KEY_TYPE", () => {
    expect(() => generateKeyPair("dsa-1024" as PkiKeyType)).toThrow(expect.objectContaining({ code: "UNSUPPORTED_KEY_TYPE" }));
    const ed = generateKeyPairSyncEd();
    expect(() => keyTypeOf(ed)).toThrow(/unsupported key type: 'ed25519'/);
  });
});

function generateKeyPairSyncEd() {
  // A key type the PKI does not make.
  return createPublicKey(
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
  );
}
