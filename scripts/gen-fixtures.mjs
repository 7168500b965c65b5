#!/usr/bin/env node
// Regenerates fixtures/pki/** with the project's own PKI (src/pki, via dist/).
// TEST-ONLY keys. Run `npm run build` (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs)
// first, then `node scripts/gen-fixtures.mjs`. Keys and serials are new on every run;
// meta.json records every derived value the tests need, so no test hard-codes them.
//
// Per key type, fixtures/pki/<type>/ holds:
//   root-cert.pem, intermediate-cert.pem    the CA chain (same key type as the leaf)
//   leaf-cert.pem, leaf-cert.der            the client certificate
//   leaf-fullchain.pem                      leaf followed by the intermediate
//   leaf-key.pem                            the leaf's private key, unencrypted PKCS#8
//   meta.json                               serials, SPKI SHA-256, DER base64, expected read-certificate-data
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkiEntry = join(root, "dist", "lib", "pki", "index.js");
if (!existsSync(pkiEntry)) {
  console.error("gen-fixtures: dist/lib/pki/index.js not found\nhint: run `npm run build` first");
  process.exit(1);
}
const pki = await import(pkiEntry);

const KEY_TYPES = ["rsa-2048", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"];
// Fixed validity so the fixtures never expire in CI (the leaf ends in 2050, inside its CAs).
const CA_NOT_BEFORE = new Date("2024-01-01T00:00:00Z");
const CA_NOT_AFTER = new Date("2051-01-01T00:00:00Z");
const LEAF_NOT_BEFORE = new Date("2025-01-01T00:00:00Z");
const LEAF_NOT_AFTER = new Date("2050-01-01T00:00:00Z");
// These leaves get a serial with the top bit set, so their DER serial has a 0x00 pad byte.
const HIGH_BIT_SERIAL = new Set(["rsa-2048", "ec-p384"]);
// Subjects are written RFC 4514 style (most specific first): the certificate holds C, O, OU, CN.
const ORG = "OU=TEST-ONLY fixtures,O=rolesanywhere-signing-helper";

function sha256Hex(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function describe(cert, issuer) {
  const spki = cert.x509.publicKey.export({ type: "spki", format: "der" });
  return {
    subject: cert.subject,
    issuer: issuer.subject,
    serialHex: cert.serialHex,
    serialHexUpper: cert.serialHex.toUpperCase().replace(/^0+(?=.)/, ""),
    serialDecimal: cert.serialDecimal,
    notBefore: new Date(cert.x509.validFrom).toISOString(),
    notAfter: new Date(cert.x509.validTo).toISOString(),
    spkiSha256: sha256Hex(spki),
    certSha256: sha256Hex(cert.certDer),
    derBase64: cert.certDer.toString("base64"),
  };
}

function sourceIdentity(cn, serialHex) {
  if (cn && cn.length <= 61) return `CN=${cn}`;
  if (cn && cn.length <= 64) return cn;
  return `ID=${serialHex}`;
}

async function makeSet(keyType) {
  const tag = keyType.toUpperCase();
  const rootCa = await pki.createRootCa({
    keyType,
    subject: `CN=TEST ROOT ${tag},${ORG},C=US`,
    notBefore: CA_NOT_BEFORE,
    notAfter: CA_NOT_AFTER,
  });
  const intermediate = await pki.createIntermediateCa(rootCa, {
    keyType,
    subject: `CN=TEST INTERMEDIATE ${tag},${ORG},C=US`,
    notBefore: CA_NOT_BEFORE,
    notAfter: CA_NOT_AFTER,
    pathLength: 0,
  });
  const serial = HIGH_BIT_SERIAL.has(keyType)
    ? (() => {
        const b = randomBytes(16);
        b[0] |= 0x80;
        return b.toString("hex");
      })()
    : undefined;
  const cn = `TEST CLIENT ${tag}`;
  const leaf = await pki.issueClientCertificate(intermediate, {
    keyType,
    subject: `CN=${cn},${ORG},C=US`,
    notBefore: LEAF_NOT_BEFORE,
    notAfter: LEAF_NOT_AFTER,
    sanDns: ["client.example.test"],
    sanUri: ["spiffe://example.test/client"],
    ...(serial ? { serial } : {}),
  });

  const isRsa = keyType.startsWith("rsa-");
  const readCertificateData = {
    keyType: isRsa ? "RSA" : "EC",
    certificateData: leaf.certDer.toString("base64"),
    serialNumber: leaf.serialDecimal,
    supportedAlgorithms: isRsa ? ["RSASHA256", "RSASHA384", "RSASHA512"] : ["ECSHA256", "ECSHA384", "ECSHA512"],
  };
  const meta = {
    note: "TEST-ONLY key material made by scripts/gen-fixtures.mjs; never trust it anywhere",
    keyType,
    signingAlgorithm: isRsa ? "AWS4-X509-RSA-SHA256" : "AWS4-X509-ECDSA-SHA256",
    files: {
      root: "root-cert.pem",
      intermediate: "intermediate-cert.pem",
      leaf: "leaf-cert.pem",
      leafDer: "leaf-cert.der",
      leafFullchain: "leaf-fullchain.pem",
      leafKey: "leaf-key.pem",
    },
    leaf: {
      ...describe(leaf, intermediate),
      sourceIdentity: sourceIdentity(cn, leaf.serialHex),
      sanDns: ["client.example.test"],
      sanUri: ["spiffe://example.test/client"],
    },
    intermediate: describe(intermediate, rootCa),
    root: describe(rootCa, rootCa),
    readCertificateData,
    readCertificateDataJson: JSON.stringify(readCertificateData),
  };

  const dir = join(root, "fixtures", "pki", keyType);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "root-cert.pem"), rootCa.certPem);
  writeFileSync(join(dir, "intermediate-cert.pem"), intermediate.certPem);
  writeFileSync(join(dir, "leaf-cert.pem"), leaf.certPem);
  writeFileSync(join(dir, "leaf-cert.der"), leaf.certDer);
  writeFileSync(join(dir, "leaf-fullchain.pem"), leaf.certPem + intermediate.certPem);
  writeFileSync(join(dir, "leaf-key.pem"), leaf.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
  console.log(`gen-fixtures: wrote fixtures/pki/${keyType}/ (leaf serial ${leaf.serialDecimal})`);
}

for (const keyType of process.argv.length > 2 ? process.argv.slice(2) : KEY_TYPES) {
  if (!KEY_TYPES.includes(keyType)) {
    console.error(`gen-fixtures: unknown key type '${keyType}'\nhint: use one of ${KEY_TYPES.join(", ")}`);
    process.exit(2);
  }
  await makeSet(keyType);
}
