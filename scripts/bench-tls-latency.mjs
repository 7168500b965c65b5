#!/usr/bin/env node
// Benchmark (not a test): an uncached `credential-process` the way users meet
// it, against a TLS endpoint some way off: the emulator behind a TLS front
// (certificate trusted with AWS_CA_BUNDLE) behind a relay on 127.0.0.1 that
// holds every chunk LATENCY_MS/2 in each direction (a round trip of
// LATENCY_MS, default 20 ms: the real service is 20-300 ms away). Times
// `node -e 0` and one uncached run of each CLI given (default dist/cli.js),
// interleaved, and prints medians. Used to decide whether a hand-written HTTP
// client still earns its place over node:https (issue 12: only if it saves
// more than 10%):
//
//   node scripts/bench-tls-latency.mjs [--runs 15] [--latency 20] [--cli A/dist/cli.js --cli B/dist/cli.js]
//
// Needs dist/ (npm run build) and openssl (for the endpoint's certificate).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, Agent } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const clis = argv.flatMap((a, i) => (a === "--cli" && argv[i + 1] ? [argv[i + 1]] : []));
if (clis.length === 0) clis.push(fileURLToPath(new URL("../dist/cli.js", import.meta.url)));
const RUNS = Math.max(3, Number(flag("runs", "15")));
const LATENCY_MS = Number(flag("latency", "20"));
const WARMUP = 2;

function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, stdout, stderr }));
  });
}

function startEmulator(cli, rootCertPath, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "emulator", "--trust-anchor-cert", rootCertPath, "--port", "0"], { env, stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    child.stdout.on("data", function onData(chunk) {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      child.stdout.off("data", onData);
      child.stdout.resume();
      resolve({ info: JSON.parse(buf.slice(0, nl)), stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))) });
    });
    child.once("exit", (code) => reject(new Error(`emulator exited early with code ${code}`)));
  });
}

const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "bench-tls-"));
const closers = [];
try {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  const { makeCredentialProcessData } = await import("../dist/lib/pki/index.js");
  const data = await makeCredentialProcessData({ keyType: "ec-p256" });
  for (const f of data.files) writeFileSync(join(dir, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
  const ossl = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "tls-key.pem"), "-out", join(dir, "tls-cert.pem")], { encoding: "utf8" });
  if (ossl.status !== 0) throw new Error(`openssl: ${ossl.stderr || ossl.error}`);

  const emulator = await startEmulator(clis[0], join(dir, "root-cert.pem"), env);
  closers.push(emulator.stop);
  const upstream = new URL(emulator.info.endpoint);
  const agent = new Agent({ keepAlive: true });
  // TLS front: terminates TLS and hands each request to the emulator.
  const front = createHttpsServer({ cert: readFileSync(join(dir, "tls-cert.pem")), key: readFileSync(join(dir, "tls-key.pem")) }, (req, res) => {
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const frontPort = await listen(front);
  closers.push(() => new Promise((r) => { front.closeAllConnections?.(); front.close(r); }));
  // The relay: every chunk, both ways, LATENCY_MS/2 late (equal delays keep the order).
  const relay = createServer((client) => {
    const server = connect(frontPort, "127.0.0.1");
    const pipeLate = (from, to) => {
      from.on("data", (c) => setTimeout(() => to.writable && to.write(c), LATENCY_MS / 2));
      from.on("end", () => setTimeout(() => to.end(), LATENCY_MS / 2));
      from.on("error", () => to.destroy());
    };
    pipeLate(client, server);
    pipeLate(server, client);
  });
  const relayPort = await listen(relay);
  closers.push(() => new Promise((r) => relay.close(r)));

  const { trustAnchorArn, profileArn, roleArn } = emulator.info;
  const runEnv = { ...env, AWS_CA_BUNDLE: join(dir, "tls-cert.pem") };
  const variants = [
    { name: "node -e 0", args: ["-e", "0"], env, check: (r) => r.code === 0 },
    ...clis.map((cli, i) => ({
      name: `credential-process via TLS, ${LATENCY_MS} ms RTT: ${cli}`,
      args: [cli, "credential-process", "--certificate", join(dir, "client-cert.pem"), "--private-key", join(dir, "client-key.pem"),
        "--trust-anchor-arn", trustAnchorArn, "--profile-arn", profileArn, "--role-arn", roleArn, "--endpoint", `https://127.0.0.1:${relayPort}`],
      // Each CLI its own code cache.
      env: { ...runEnv, XDG_CACHE_HOME: join(dir, `cache-${i}`) },
      check: (r) => r.code === 0 && r.stdout.startsWith('{"Version":1,'),
    })),
  ];
  const times = variants.map(() => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const [k, v] of variants.entries()) {
      const r = await timed(process.execPath, v.args, v.env);
      if (!v.check(r)) throw new Error(`${v.name} failed (exit ${r.code}): ${r.stderr.trim().split("\n")[0] ?? ""}`);
      if (i >= WARMUP) times[k].push(r.ms);
    }
  }
  const medians = times.map(median);
  console.log(`uncached credential-process against TLS ${LATENCY_MS} ms away, median of ${RUNS} runs, Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
  for (const [k, v] of variants.entries()) console.log(`  ${v.name}: ${medians[k].toFixed(1)} ms${k > 0 ? `  (${(medians[k] / medians[0]).toFixed(2)} x node -e 0)` : ""}`);
  if (clis.length === 2) console.log(`  second / first: ${(medians[2] / medians[1]).toFixed(3)}`);
} catch (err) {
  console.error(`bench-tls-latency: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  for (const c of closers.reverse()) await c().catch?.(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
