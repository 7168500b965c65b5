#!/usr/bin/env node
// Measurement (not a test): what unauthenticated CreateSession requests with
// large certificates cost the emulator. Loopback only, bounded in count and time.
//
//   npm run build && node scripts/flood-emulator.mjs [--seconds 20] [--max 1500] [--connections 8] [--kb 48]
//
// The emulator runs in a child process (its memory is what is reported). This
// process first times valid CreateSession requests one after another (idle),
// then keeps --connections keep-alive connections busy with requests that carry
// a different certificate of about --kb KB of base64 each (one big certificate,
// its serial changed per request so no cache can help) and a made-up signature,
// with the Credential serial matching the certificate, while it times valid
// requests again on their own connection. It stops after --seconds or --max
// flood requests, whichever comes first. A second flood round uses certificates
// just under the emulator's per-certificate size limit, the largest that get
// past the size check.
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { Pool } from "undici";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

async function serveEmulator() {
  const { startEmulator } = await import("../dist/lib/emulator/index.js");
  const pki = await import("../dist/lib/pki/index.js");
  const root = await pki.createRootCa({ keyType: "ec-p256" });
  const leaf = await pki.issueClientCertificate(root, { keyType: "ec-p256", subject: "CN=flood valid client" });
  const emu = await startEmulator({ trustAnchorCertPem: root.certPem });
  process.on("message", (m) => {
    if (m === "mem") {
      globalThis.gc?.();
      const cpu = process.cpuUsage();
      process.send({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  process.send({
    endpoint: emu.endpoint,
    region: emu.region,
    arns: { profileArn: emu.profileArn, roleArn: emu.roleArn, trustAnchorArn: emu.trustAnchorArn },
    leaf: { certPem: leaf.certPem, keyPem: leaf.keyPem, serialDecimal: leaf.serialDecimal },
  });
}

/** A certificate whose DER is about `derBytes` long: many OU attributes in the subject. */
async function bigCertificate(pki, derBytes) {
  const root = await pki.createRootCa({ keyType: "ec-p256" });
  const ous = [];
  // Each "OU=" + 100 characters is about 113 DER bytes.
  for (let i = 0; i < Math.max(1, Math.floor((derBytes - 600) / 113)); i++) ous.push(`OU=${String(i).padStart(4, "0")}${"x".repeat(96)}`);
  const cert = await pki.issueClientCertificate(root, { keyType: "ec-p256", subject: `CN=flood,${ous.join(",")}` });
  return cert;
}

/** The serial's content bytes in the DER (tbsCertificate: SEQUENCE, [0] version, INTEGER serial). */
function serialOffset(der) {
  let p = 0;
  const len = (at) => {
    const b = der[at + 1];
    if (b < 0x80) return { hdr: 2, n: b };
    const k = b & 0x7f;
    let n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + der[at + 2 + i];
    return { hdr: 2 + k, n };
  };
  p += len(p).hdr; // Certificate SEQUENCE
  p += len(p).hdr; // tbsCertificate SEQUENCE
  if (der[p] === 0xa0) p += len(p).hdr + len(p).n; // [0] version
  if (der[p] !== 0x02) throw new Error("no serial INTEGER");
  const { hdr, n } = len(p);
  return { start: p + hdr, length: n };
}

function send(agent, endpoint, path, headers, body) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const req = request(new URL(path, endpoint), { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t) / 1e6, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const mb = (n) => `${(n / 1048576).toFixed(0)} MB`;

async function main() {
  const seconds = Number(flag("seconds", "20"));
  const max = Number(flag("max", "1500"));
  const connections = Number(flag("connections", "8"));
  const kb = Number(flag("kb", "48"));
  const pki = await import("../dist/lib/pki/index.js");
  const { signRequest, createKeySigner } = await import("../dist/lib/signer/index.js");
  const { createPrivateKey, X509Certificate } = await import("node:crypto");
  let limitDer;
  try {
    ({ MAX_CERTIFICATE_DER_BYTES: limitDer } = await import("../dist/lib/emulator/create-session.js"));
  } catch {
    limitDer = undefined;
  }

  const child = fork(self, ["--serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: ["--expose-gc", ...(process.env.FLOOD_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.FLOOD_CPU_PROF}`] : [])] });
  const target = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
  });
  const mem = () =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send("mem");
    });
  const host = new URL(target.endpoint).host;
  const leafDer = new X509Certificate(target.leaf.certPem).raw;
  const signer = createKeySigner(createPrivateKey(target.leaf.keyPem));
  const body = JSON.stringify({ durationSeconds: 3600 });
  const valid = async () => {
    const s = await signRequest({
      method: "POST",
      host,
      path: "/sessions",
      query: target.arns,
      headers: { "content-type": "application/json" },
      body,
      region: target.region,
      certificateDer: leafDer,
      serialDecimal: target.leaf.serialDecimal,
      signer,
      signingDate: new Date(),
    });
    return { path: `/sessions?${s.canonicalQuery}`, headers: s.headers };
  };
  const validAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const timeValid = async (n, until) => {
    const ms = [];
    for (let i = 0; i < n && Date.now() < until; i++) {
      const v = await valid();
      const r = await send(validAgent, target.endpoint, v.path, v.headers, body);
      if (r.status !== 201) throw new Error(`valid request answered ${r.status}: ${r.body.slice(0, 200)}`);
      ms.push(r.ms);
    }
    return ms;
  };

  const flood = async (derBytes, label) => {
    const big = await bigCertificate(pki, derBytes);
    const der = Buffer.from(big.certDer);
    const { start, length } = serialOffset(der);
    // A serial with its top bit clear, whatever the counter: positive, and no leading zero byte.
    der[start] = 0x40;
    const v = await valid();
    const scope = v.headers.authorization.match(/Credential=[^/]+(\/[^,]+),/)[1];
    const pool = new Pool(target.endpoint, { connections, pipelining: 1 });
    const before = await mem();
    const until = Date.now() + seconds * 1000;
    let sent = 0;
    const statuses = {};
    const floodMs = [];
    let stop = false;
    // Unique certificates at little cost to this process: the base64 text is
    // built once, and per request one aligned group of 4 characters inside the
    // serial is replaced (3 bytes of a counter), as is the Credential serial.
    const b64 = der.toString("base64");
    const group = Math.ceil((start + 1) / 3) * 3; // first whole 3-byte group after the serial's first byte
    if (group + 3 > start + length) throw new Error("serial too short");
    const at = (group / 3) * 4;
    const headersBase = { ...v.headers };
    delete headersBase.host;
    const worker = async () => {
      while (!stop && sent < max && Date.now() < until) {
        const n = sent++;
        const patch = Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
        const serialBytes = Buffer.from(der.subarray(start, start + length));
        patch.copy(serialBytes, group - start);
        const serial = BigInt(`0x${serialBytes.toString("hex")}`).toString();
        const headers = {
          ...headersBase,
          "x-amz-x509": b64.slice(0, at) + patch.toString("base64") + b64.slice(at + 4),
          authorization: `AWS4-X509-ECDSA-SHA256 Credential=${serial}${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=${"ab".repeat(36)}`,
        };
        const t = process.hrtime.bigint();
        try {
          const r = await pool.request({ method: "POST", path: v.path, headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
          await r.body.text();
          statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
          floodMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch (err) {
          statuses[err.code ?? err.message] = (statuses[err.code ?? err.message] ?? 0) + 1;
        }
      }
    };
    const floodStart = Date.now();
    const workers = Array.from({ length: connections }, worker);
    // Let the flood build up, then time valid requests while it runs.
    await new Promise((r) => setTimeout(r, 300));
    const during = await timeValid(200, until);
    stop = true;
    await Promise.all(workers);
    const floodSecs = (Date.now() - floodStart) / 1000;
    await pool.close();
    const after = await mem();
    console.log(
      `${label}: ${sent} requests with ${(copyLen(der) / 1024).toFixed(0)} KB base64 certificates in ${floodSecs.toFixed(1)} s on ${connections} connections (${(sent / floodSecs).toFixed(0)}/s; answers ${JSON.stringify(statuses)}; flood request median ${pct(floodMs, 50).toFixed(1)} ms)`,
    );
    console.log(`  valid CreateSession under the flood: median ${pct(during, 50).toFixed(1)} ms, p95 ${pct(during, 95).toFixed(1)} ms (${during.length} requests)`);
    console.log(`  emulator memory: rss ${mb(before.rss)} before, ${mb(after.rss)} after; heap ${mb(before.heapUsed)} before, ${mb(after.heapUsed)} after`);
    console.log(`  emulator CPU: ${((after.cpuMs - before.cpuMs) / (sent + during.length)).toFixed(2)} ms per request during the flood (${(after.cpuMs - before.cpuMs).toFixed(0)} ms for ${sent} flood + ${during.length} valid)`);
    return during;
  };
  const copyLen = (der) => Math.ceil(der.length / 3) * 4;

  try {
    await timeValid(20, Date.now() + 10_000); // warm-up
    const idleMem = await mem();
    const idle = await timeValid(200, Date.now() + 20_000);
    const idleAfter = await mem();
    console.log(
      `idle: valid CreateSession median ${pct(idle, 50).toFixed(1)} ms, p95 ${pct(idle, 95).toFixed(1)} ms (${idle.length} requests; emulator CPU ${((idleAfter.cpuMs - idleMem.cpuMs) / idle.length).toFixed(2)} ms each); emulator rss ${mb(idleMem.rss)}`,
    );
    const during = await flood(Math.floor((kb * 1024 * 3) / 4), `flood (${kb} KB)`);
    console.log(`  ratio flood/idle median: ${(pct(during, 50) / pct(idle, 50)).toFixed(2)}`);
    if (limitDer && flag("near", "true") !== "false") {
      const near = await flood(limitDer - 200, `flood (just under the ${limitDer}-byte DER limit)`);
      console.log(`  ratio flood/idle median: ${(pct(near, 50) / pct(idle, 50)).toFixed(2)}`);
    }
  } finally {
    validAgent.destroy();
    child.kill();
  }
}

if (args.includes("--serve")) {
  process.on("SIGTERM", () => process.exit(0)); // a clean exit, so --cpu-prof can write its profile
  await serveEmulator();
}
else await main();
