#!/usr/bin/env node
// Benchmark (not a test): CreateSession requests per second on the emulator for
// a P-256 leaf with one intermediate, next to a bare node:http server answering
// a JSON body of the same size, same machine, same run, on 127.0.0.1.
//
//   npm run build && node scripts/bench-emulator.mjs [--seconds 3] [--connections 4]
//
// Each server runs in its own child process; this process is the load generator
// (undici Pool, keep-alive connections, each connection sends its next request as
// soon as the previous answer arrives). The emulator gets one pre-signed request,
// replayed: it still parses the headers, canonicalizes, and verifies the ECDSA
// signature on every request (only chain-validation results are cached).
// Target: emulator rate >= 0.15 x bare rate.
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

async function serveEmulator() {
  const { startEmulator } = await import("../dist/emulator/index.js");
  const pki = await import("../dist/pki/index.js");
  const { signRequest, createKeySigner } = await import("../dist/signer/index.js");
  const root = await pki.createRootCa({ keyType: "ec-p256" });
  const inter = await pki.createIntermediateCa(root, { keyType: "ec-p256" });
  const leaf = await pki.issueClientCertificate(inter, { keyType: "ec-p256", subject: "CN=bench client" });
  const emu = await startEmulator({ trustAnchorCertPem: root.certPem });
  const host = new URL(emu.endpoint).host;
  const body = JSON.stringify({ durationSeconds: 3600 });
  const signed = await signRequest({
    method: "POST",
    host,
    path: "/sessions",
    query: { profileArn: emu.profileArn, roleArn: emu.roleArn, trustAnchorArn: emu.trustAnchorArn },
    headers: { "content-type": "application/json" },
    body,
    region: emu.region,
    certificateDer: leaf.certDer,
    chainDer: [inter.certDer],
    serialDecimal: leaf.serialDecimal,
    signer: createKeySigner(leaf.privateKey),
    signingDate: new Date(),
  });
  process.send({ endpoint: emu.endpoint, path: `/sessions?${signed.canonicalQuery}`, headers: signed.headers, body, expect: 201 });
}

function serveBare() {
  // About the size of a CreateSession answer.
  const payload = JSON.stringify({
    credentialSet: [
      {
        assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/rolesanywhere-emulator/0123456789abcdef", assumedRoleId: "AROAABCDEFGHIJKLMNOPQ:0123456789abcdef" },
        credentials: { accessKeyId: "ASIA" + "A".repeat(16), expiration: "2030-01-01T00:00:00Z", secretAccessKey: "s".repeat(40), sessionToken: "t".repeat(320) },
        packedPolicySize: 0,
        roleArn: "arn:aws:iam::123456789012:role/rolesanywhere-emulator",
        sourceIdentity: "CN=bench client",
      },
    ],
    subjectArn: "arn:aws:rolesanywhere:us-east-1:123456789012:subject/00000000-0000-5000-8000-000000000000",
  });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    process.send({ endpoint: `http://127.0.0.1:${port}`, path: "/sessions", headers: { "content-type": "application/json" }, body: "{}", expect: 201 });
  });
}

async function load(target, seconds, connections) {
  const pool = new Pool(target.endpoint, { connections, pipelining: 1 });
  const headers = { ...target.headers };
  delete headers.host; // undici sets Host from the origin (same value)
  let ok = 0;
  let bad = 0;
  let firstBad;
  const run = async (until, count) => {
    while (Date.now() < until) {
      const r = await pool.request({ method: "POST", path: target.path, headers, body: target.body });
      const text = await r.body.text();
      if (!count) continue;
      if (r.statusCode === target.expect) ok++;
      else {
        bad++;
        firstBad ??= `${r.statusCode} ${text.slice(0, 200)}`;
      }
    }
  };
  const warm = Date.now() + 500;
  await Promise.all(Array.from({ length: connections }, () => run(warm, false)));
  const start = Date.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, () => run(end, true)));
  const elapsed = (Date.now() - start) / 1000;
  await pool.close();
  if (bad) throw new Error(`${bad} unexpected answers, first: ${firstBad}`);
  return ok / elapsed;
}

async function measure(kind, seconds, connections) {
  const child = fork(self, ["--serve", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const target = await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`${kind} server exited (${code})`)));
    });
    return await load(target, seconds, connections);
  } finally {
    child.kill();
  }
}

const serve = flag("serve");
if (serve === "emulator") await serveEmulator();
else if (serve === "bare") serveBare();
else {
  const seconds = Number(flag("seconds", "3"));
  const connections = Number(flag("connections", "4"));
  const bare = await measure("bare", seconds, connections);
  const emulator = await measure("emulator", seconds, connections);
  const ratio = emulator / bare;
  console.log(`bare node:http server:                       ${bare.toFixed(0)} req/s`);
  console.log(`emulator CreateSession (P-256, 1 intermediate): ${emulator.toFixed(0)} req/s`);
  console.log(`ratio: ${ratio.toFixed(3)} (target >= 0.15; ${seconds} s each, ${connections} keep-alive connections, Node ${process.version})`);
  process.exitCode = ratio >= 0.15 ? 0 : 1;
}
