#!/usr/bin/env node
// credential-process per call against the emulator with --latency 0 and --latency 50 (a region's round
// trip): uncached runs, and --cache hits for reference; plus how long the emulator and serve take to stop
// after SIGTERM with a keep-alive connection open (target: within 200 ms). Needs dist/ (npm run bench builds it).
// Usage: node scripts/bench-emulator-latency.mjs [--runs N] [--json]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { Agent } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "dist", "cli.js");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1] ?? 0) || 15;
const asJson = args.includes("--json");
const STOP_TARGET_MS = 200;

function timed(argv, env) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stdout, stderr }));
  });
}

function start(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env, stdio: ["ignore", "pipe", "ignore"] });
    let buf = "";
    child.stdout.on("data", (c) => {
      buf += c;
      const nl = buf.indexOf("\n");
      if (nl >= 0 && !child.info) {
        child.info = JSON.parse(buf.slice(0, nl));
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`${argv[0]} exited early with code ${code}`)));
  });
}

/** Milliseconds from SIGTERM to exit, with one keep-alive connection open. */
function stopTime(child, url) {
  return new Promise((resolve) => {
    const agent = new Agent({ keepAlive: true });
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => {
        const t0 = process.hrtime.bigint();
        child.once("exit", () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
        child.kill("SIGTERM");
      });
    });
    req.end();
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const dir = mkdtempSync(join(tmpdir(), "bench-lat-"));
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  try {
    const { makeCredentialProcessData } = await import("../dist/lib/pki/index.js");
    const data = await makeCredentialProcessData({ keyType: "ec-p256" });
    for (const f of data.files) writeFileSync(join(dir, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
    const out = { node: process.version, cpus: cpus().length, loadavg1m: Number(loadavg()[0].toFixed(2)), runs: RUNS, medianMs: {}, stopMs: {} };
    for (const latency of [0, 50]) {
      const emu = await start(["emulator", "--trust-anchor-cert", join(dir, "root-cert.pem"), "--latency", String(latency), "--quiet"], env);
      const { endpoint, trustAnchorArn, profileArn, roleArn } = emu.info;
      const cp = [CLI, "credential-process", "--certificate", join(dir, "client-cert.pem"), "--private-key", join(dir, "client-key.pem"),
        "--trust-anchor-arn", trustAnchorArn, "--profile-arn", profileArn, "--role-arn", roleArn, "--endpoint", endpoint];
      const times = { uncached: [], cached: [] };
      const cacheEnv = { ...env, XDG_CACHE_HOME: join(dir, `cache-${latency}`) };
      for (let i = 0; i < RUNS + 2; i++) {
        const u = await timed(cp, env);
        const c = await timed([...cp, "--cache"], cacheEnv);
        for (const r of [u, c]) if (r.code !== 0) throw new Error(`credential-process failed: ${r.stderr.split("\n")[0]}`);
        if (i >= 2) {
          times.uncached.push(u.ms);
          times.cached.push(c.ms);
        }
      }
      out.medianMs[`latency${latency}`] = { uncached: round(median(times.uncached)), cached: round(median(times.cached)) };
      if (latency === 0) {
        const serve = await start(["serve", "--certificate", join(dir, "client-cert.pem"), "--private-key", join(dir, "client-key.pem"),
          "--trust-anchor-arn", trustAnchorArn, "--profile-arn", profileArn, "--role-arn", roleArn, "--endpoint", endpoint, "--port", "0"], env);
        out.stopMs.serve = round(await stopTime(serve, serve.info.url));
      }
      out.stopMs[`emulatorLatency${latency}`] = round(await stopTime(emu, `${endpoint}/`));
    }
    if (asJson) console.log(JSON.stringify(out));
    else {
      const m = out.medianMs;
      console.log(`credential-process per call against the emulator, median of ${RUNS} runs, Node ${process.version}, ${out.cpus} CPUs, load ${out.loadavg1m}`);
      console.log(`  --latency 0:   uncached ${m.latency0.uncached} ms, --cache hit ${m.latency0.cached} ms`);
      console.log(`  --latency 50:  uncached ${m.latency50.uncached} ms, --cache hit ${m.latency50.cached} ms  (one CreateSession round trip held 50 ms)`);
      const stops = Object.entries(out.stopMs).map(([k, v]) => `${k} ${v} ms${v <= STOP_TARGET_MS ? "" : " ABOVE TARGET"}`);
      console.log(`  stop after SIGTERM with a keep-alive connection open (target <= ${STOP_TARGET_MS} ms): ${stops.join(", ")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench-emulator-latency: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
