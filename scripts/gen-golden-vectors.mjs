#!/usr/bin/env node
// Writes fixtures/sigv4x509/*.json: golden SigV4-X509 vectors
// (request → canonical request → string to sign → Authorization).
//
//   node scripts/gen-golden-vectors.mjs        # needs openssl 3.x on PATH
//
// Independence: this script does NOT use src/signer. The canonical query and
// header blocks come from @smithy/signature-v4 (the AWS SDK's own SigV4 code),
// hashes from node:crypto, and every signature from the openssl command line:
//   openssl dgst -sha256 -sign <key> -out sig.bin string-to-sign.txt
// RSA PKCS#1 v1.5 is deterministic, so RSA vectors pin the exact signature and
// the tests check that src/signer produces the same bytes. ECDSA is randomised:
// its vectors hold an openssl signature the tests verify over their own string
// to sign, and the tests verify their own signature with openssl.
//
// Keys and certificates under fixtures/sigv4x509/keys/ are TEST-ONLY. They are
// made once (if absent) and then reused, so re-running this script rewrites the
// same vectors byte for byte (ECDSA signatures aside). Delete keys/ to start over.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getCanonicalHeaders, getCanonicalQuery, SignatureV4Base } from "@smithy/signature-v4";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(root, "fixtures", "sigv4x509");
const KEYS = join(OUT, "keys");
const DAYS = "9000";

function openssl(args, input) {
  return execFileSync("openssl", args, { input, stdio: ["pipe", "pipe", "pipe"] });
}

const version = openssl(["version"]).toString().trim();
if (!version.startsWith("OpenSSL 3.")) throw new Error(`openssl 3.x is required (found: ${version})`);

// ---------------------------------------------------------------- keys and certificates
mkdirSync(KEYS, { recursive: true });
const keyArgs = {
  "rsa-2048": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  "rsa-4096": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
  "ec-p256": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "ec-p384": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  ca: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
};
for (const [name, args] of Object.entries(keyArgs)) {
  const file = join(KEYS, `${name}-key.pem`);
  if (!existsSync(file)) openssl([...args, "-out", file]);
}
const caCert = join(KEYS, "ca-cert.pem");
if (!existsSync(caCert)) {
  openssl(["req", "-x509", "-new", "-key", join(KEYS, "ca-key.pem"), "-sha256", "-days", DAYS,
    "-subj", "/CN=sigv4x509 golden vectors TEST-ONLY CA", "-set_serial", "1",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-out", caCert]);
}
const serials = { "rsa-2048": "0x1f00000000000000000000000000000001", "rsa-4096": "4660", "ec-p256": "21", "ec-p384": "0x00ff" };
for (const [name, serial] of Object.entries(serials)) {
  const cert = join(KEYS, `${name}-cert.pem`);
  if (existsSync(cert)) continue;
  const tmp = mkdtempSync(join(tmpdir(), "sigv4x509-"));
  try {
    const csr = join(tmp, "leaf.csr");
    const ext = join(tmp, "ext.cnf");
    writeFileSync(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
    openssl(["req", "-new", "-key", join(KEYS, `${name}-key.pem`), "-subj", `/CN=sigv4x509 ${name} TEST-ONLY`, "-out", csr]);
    openssl(["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", join(KEYS, "ca-key.pem"), "-sha256",
      "-days", DAYS, "-set_serial", serial, "-extfile", ext, "-out", cert]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function derBase64(certPem) {
  return openssl(["x509", "-in", certPem, "-outform", "DER"]).toString("base64");
}
function serialDecimal(certPem) {
  const hex = openssl(["x509", "-in", certPem, "-noout", "-serial"]).toString().trim().replace(/^serial=/, "");
  return BigInt(`0x${hex}`).toString(10);
}

// ---------------------------------------------------------------- the independent computation
const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
const amzDate = (iso) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
const ALGORITHMS = { rsa: "AWS4-X509-RSA-SHA256", ec: "AWS4-X509-ECDSA-SHA256" };

function opensslSign(keyFile, text) {
  const tmp = mkdtempSync(join(tmpdir(), "sigv4x509-"));
  try {
    const msg = join(tmp, "string-to-sign.txt");
    const sig = join(tmp, "sig.bin");
    writeFileSync(msg, text);
    openssl(["dgst", "-sha256", "-sign", keyFile, "-out", sig, msg]);
    return readFileSync(sig).toString("hex");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function makeVector(v) {
  const keyFile = join(KEYS, `${v.key}-key.pem`);
  const kind = v.key.startsWith("rsa") ? "rsa" : "ec";
  const algorithm = ALGORITHMS[kind];
  const date = amzDate(v.request.signingDate);
  const headers = {};
  for (const [k, val] of Object.entries(v.request.headers)) headers[k.toLowerCase()] = val;
  headers.host = v.request.host;
  headers["x-amz-date"] = date;
  headers["x-amz-x509"] = v.request.certificateDerBase64;
  if (v.request.chainDerBase64?.length) headers["x-amz-x509-chain"] = v.request.chainDerBase64.join(",");
  const canonical = getCanonicalHeaders({ headers });
  const canonicalRequest = SignatureV4Base.prototype.createCanonicalRequest.call(
    { getCanonicalPath: ({ path }) => path },
    { method: v.request.method, path: v.request.path, query: v.request.query },
    canonical,
    sha256Hex(Buffer.from(v.request.body, "utf8")),
  );
  const hash = sha256Hex(canonicalRequest);
  const scope = `${date.slice(0, 8)}/${v.request.region}/rolesanywhere/aws4_request`;
  const stringToSign = `${algorithm}\n${date}\n${scope}\n${hash}`;
  const signatureHex = opensslSign(keyFile, stringToSign);
  const signedHeaders = Object.keys(canonical).sort().join(";");
  const authorization = `${algorithm} Credential=${v.request.serialDecimal}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signatureHex}`;
  if (v.expectCanonicalRequestSha256 && v.expectCanonicalRequestSha256 !== hash) {
    throw new Error(`${v.name}: canonical request hash ${hash} differs from the documented ${v.expectCanonicalRequestSha256}`);
  }
  return {
    name: v.name,
    description: v.description,
    generatedBy: "scripts/gen-golden-vectors.mjs (canonicalization: @smithy/signature-v4; signature: openssl)",
    opensslCommand: `openssl dgst -sha256 -sign fixtures/sigv4x509/keys/${v.key}-key.pem -out sig.bin string-to-sign.txt`,
    key: `keys/${v.key}-key.pem`,
    algorithm,
    deterministicSignature: kind === "rsa",
    request: v.request,
    expected: {
      amzDate: date,
      canonicalQuery: getCanonicalQuery({ query: v.request.query }),
      canonicalHeaders: Object.keys(canonical).sort().map((k) => `${k}:${canonical[k]}\n`).join(""),
      signedHeaders,
      canonicalRequest,
      canonicalRequestSha256: hash,
      credentialScope: scope,
      stringToSign,
      headers: Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1))),
      // RSA: the exact signature; ECDSA: one valid openssl signature of stringToSign.
      opensslSignatureHex: signatureHex,
      authorization,
    },
  };
}

// ---------------------------------------------------------------- the vectors
const ARNS = {
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555",
  roleArn: "arn:aws:iam::123456789012:role/ExampleRole",
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/66666666-7777-8888-9999-000000000000",
};
const cert = (name) => derBase64(join(KEYS, `${name}-cert.pem`));
const serial = (name) => serialDecimal(join(KEYS, `${name}-cert.pem`));

const vectors = [
  {
    name: "worked-example-ecdsa",
    description: "protocol.md §1.7 exactly (placeholder certificate MIIBEXAMPLE=); ECDSA P-256 signature",
    key: "ec-p256",
    expectCanonicalRequestSha256: "c8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2",
    request: {
      method: "POST", host: "rolesanywhere.us-east-1.amazonaws.com", path: "/sessions", query: ARNS,
      headers: { "Content-Type": "application/json" }, body: '{"durationSeconds":3600}', region: "us-east-1",
      signingDate: "2024-07-06T14:30:04Z", certificateDerBase64: "MIIBEXAMPLE=", serialDecimal: "21",
    },
  },
  {
    name: "createsession-rsa-2048",
    description: "CreateSession as the official helper sends it: real leaf, no chain",
    key: "rsa-2048",
    request: {
      method: "POST", host: "rolesanywhere.us-east-1.amazonaws.com", path: "/sessions", query: ARNS,
      headers: { "Content-Type": "application/json" }, body: '{"durationSeconds":3600}', region: "us-east-1",
      signingDate: "2024-07-06T14:30:04Z", certificateDerBase64: cert("rsa-2048"), serialDecimal: serial("rsa-2048"),
    },
  },
  {
    name: "createsession-rsa-2048-chain",
    description: "With X-Amz-X509-Chain, a host with a port, a role session name, an unsigned user-agent and a signed SDK header; signing date with milliseconds (truncated)",
    key: "rsa-2048",
    request: {
      method: "POST", host: "127.0.0.1:8443", path: "/sessions", query: ARNS,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "rolesanywhere-signing-helper/0.1.0",
        "Amz-Sdk-Invocation-Id": "0b5a1b1e-3f43-4d43-9c0e-1f2a3b4c5d6e",
      },
      body: '{"durationSeconds":900,"roleSessionName":"golden-session"}', region: "eu-west-1",
      signingDate: "2031-12-31T23:59:59.999Z", certificateDerBase64: cert("rsa-2048"), serialDecimal: serial("rsa-2048"),
      chainDerBase64: [cert("ca")],
    },
  },
  {
    name: "encoding-rsa-4096",
    description: "RFC 3986 query encoding (space, reserved and non-ASCII characters, '=' in values), code-point sort, Trimall of header values, empty body",
    key: "rsa-4096",
    request: {
      method: "GET", host: "localhost", path: "/sessions",
      query: { Zeta: "a b", alpha: "x=y&z", Alpha: "~._-!*'()", "ü": "caf\u00e9 \u20ac", empty: "" },
      headers: { "X-Custom": "  lots   of\tspace  ", "content-type": "text/plain" },
      body: "", region: "us-west-2",
      signingDate: "2024-02-29T00:00:00Z", certificateDerBase64: cert("rsa-4096"), serialDecimal: serial("rsa-4096"),
    },
  },
  {
    name: "createsession-ecdsa-p384",
    description: "P-384 key: still SHA-256 over the string to sign; chain of one",
    key: "ec-p384",
    request: {
      method: "POST", host: "rolesanywhere.ap-southeast-2.amazonaws.com", path: "/sessions", query: ARNS,
      headers: { "Content-Type": "application/json" }, body: '{"durationSeconds":3600}', region: "ap-southeast-2",
      signingDate: "2025-01-15T08:09:10Z", certificateDerBase64: cert("ec-p384"), serialDecimal: serial("ec-p384"),
      chainDerBase64: [cert("ca")],
    },
  },
];

for (const v of vectors) {
  const out = makeVector(v);
  writeFileSync(join(OUT, `${v.name}.json`), JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote fixtures/sigv4x509/${v.name}.json`);
}
