#!/usr/bin/env node
// Benchmark (not a test): CreateSession requests per second on the emulator for
// a P-256 leaf with one intermediate, next to a bare node:http server answering
// a JSON body of the same size, same machine, same run, on 127.0.0.1.
//
//   npm run build && node scripts/bench-emulator.mjs [--seconds 5] [--rounds 10] [--connections 4]
//
// Each server runs in its own child process; this process is the load generator
// (undici Pool, keep-alive connections, each connection sends its next request as
// soon as the previous answer arrives). The emulator gets one pre-signed request,
// replayed: it still parses the headers, canonicalizes, and verifies the ECDSA
// signature on every request (only chain-validation results are cached).
// Target: emulator rate >= 0.15 x bare rate (the median of the per-round ratios).
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
  const { startEmulator } = await import("../dist/lib/emulator/index.js");
  const pki = await import("../dist/lib/pki/index.js");
  const { signRequest, createKeySigner } = await import("../dist/lib/signer/index.js");
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

/** Sends requests on `connections` keep-alive connections until `ms` have passed; returns [ok, seconds]. */
async function burst(pool, connections, target, ms, count) {
  const headers = { ...target.headers };
  delete headers.host; // undici sets Host from the origin (same value)
  let ok = 0;
  let bad = 0;
  let firstBad;
  const start = Date.now();
  const until = start + ms;
  const worker = async () => {
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
  await Promise.all(Array.from({ length: connections }, worker));
  if (bad) throw new Error(`${bad} unexpected answers, first: ${firstBad}`);
  return [ok, (Date.now() - start) / 1000];
}

async function startChild(kind) {
  const child = fork(self, ["--serve", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const target = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
  return { child, target };
}

const serve = flag("serve");
if (serve) process.on("SIGTERM", () => process.exit(0)); // a clean exit (so --cpu-prof can write its profile)
if (serve === "emulator") await serveEmulator();
else if (serve === "bare") serveBare();
else {
  const seconds = Number(flag("seconds", "5"));
  const connections = Number(flag("connections", "4"));
  const rounds = Number(flag("rounds", "10"));
  // Both servers run at once; the load alternates between them in short rounds
  // (the order flipping every round) so that other work on the machine weighs on
  // both figures alike. Each round gives one ratio (emulator / bare, measured back
  // to back); the verdict is the median of those ratios, which a burst of load
  // from elsewhere during a few rounds does not move.
  const servers = { bare: await startChild("bare"), emulator: await startChild("emulator") };
  const totals = { bare: [0, 0], emulator: [0, 0] };
  const ratios = [];
  try {
    const pools = {};
    for (const k of Object.keys(servers)) {
      pools[k] = new Pool(servers[k].target.endpoint, { connections, pipelining: 1 });
      await burst(pools[k], connections, servers[k].target, 500, false);
    }
    for (let r = 0; r < rounds; r++) {
      const rate = {};
      for (const k of r % 2 === 0 ? ["bare", "emulator"] : ["emulator", "bare"]) {
        const [ok, secs] = await burst(pools[k], connections, servers[k].target, (seconds * 1000) / rounds, true);
        totals[k][0] += ok;
        totals[k][1] += secs;
        rate[k] = ok / secs;
      }
      ratios.push(rate.emulator / rate.bare);
    }
    for (const p of Object.values(pools)) await p.close();
  } finally {
    for (const s of Object.values(servers)) s.child.kill();
  }
  const bare = totals.bare[0] / totals.bare[1];
  const emulator = totals.emulator[0] / totals.emulator[1];
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const ratio = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const us = (rate) => (1e6 / rate).toFixed(0);
  console.log(`bare node:http server:                          ${bare.toFixed(0)} req/s (${us(bare)} µs/request)`);
  console.log(`emulator CreateSession (P-256, 1 intermediate): ${emulator.toFixed(0)} req/s (${us(emulator)} µs/request)`);
  console.log(`ratio of the totals: ${(emulator / bare).toFixed(3)}; per round: ${sorted[0].toFixed(3)} to ${sorted.at(-1).toFixed(3)}`);
  console.log(
    `median ratio: ${ratio.toFixed(3)} (target >= 0.15; ${seconds} s each in ${rounds} alternating rounds, ${connections} keep-alive connections, Node ${process.version})`,
  );
  process.exitCode = ratio >= 0.15 ? 0 : 1;
}
