#!/usr/bin/env node
// Benchmark (not a test): start-up cost of `credential-process`, the command the
// AWS SDKs run for every credential refresh. In one run on this machine it times
//   - `node -e 0` (the floor: starting Node.js at all),
//   - `credential-process --cache` answered from a warm cache,
//   - `credential-process` without the cache, one CreateSession against the
//     emulator on 127.0.0.1 (started here, in its own process),
// each as a fresh process, interleaved so that machine load hits all alike, and
// prints the median wall times and the two ratios. Each variant runs twice
// before timing starts: the first uncached run writes the V8 code cache
// (src/cli/code-cache.ts, Node.js 22.8+) that every later run on a user's machine has too.
// Targets, on Node.js 24 (the performance reference; none on older Node.js,
// where there is no code cache): cached <= 1.3 x `node -e 0`, uncached (one
// CreateSession against the emulator over plain HTTP on loopback) <= 2.2 x.
// When `perf` can count, the same runs again for CPU time (task-clock), which
// load on a shared machine disturbs far less than wall time.
// For reference it also times an empty ES module (`node empty.mjs`): on Node 20
// the ES module loader alone costs about 0.15-0.2 x `node -e 0` (on Node 24,
// next to nothing), which every ESM command such as dist/cli.js pays.
//
//   npm run build && node scripts/bench-credential-process.mjs [--runs 20] [--json]
//
// Needs dist/ (npm run build). Exit code 0 even when a target is missed (it says so);
// 1 when a run fails.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const RUNS = Math.max(3, Number(flag("runs", "20")));
const WARMUP = 2;
const asJson = argv.includes("--json");
const TARGET_CACHED = 1.3;
const TARGET_UNCACHED = 2.2;
/** Targets apply on Node.js 24 and later only. */
const HAS_TARGET = Number(process.versions.node.split(".")[0]) >= 24;

/** Runs a program to its end; resolves with wall milliseconds (spawn to exit), exit code and output. */
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

/** CPU milliseconds of one run (`perf stat -e task-clock`), or undefined when perf cannot count here. */
async function cpuMs(args, env) {
  const r = await timed("perf", ["stat", "-x,", "-e", "task-clock", "--", process.execPath, ...args], env).catch(() => undefined);
  const m = r && r.code === 0 ? /^([\d.]+),msec,task-clock/m.exec(r.stderr) : null;
  return m ? Number(m[1]) : undefined;
}

/** Starts `signing-helper emulator` in quick mode; resolves with its listening line and a stop function. */
function startEmulator(rootCertPath, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "emulator", "--trust-anchor-cert", rootCertPath, "--port", "0", "--quiet"], { env, stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    const onData = (chunk) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      child.stdout.off("data", onData);
      child.stdout.resume();
      try {
        const info = JSON.parse(buf.slice(0, nl));
        const stop = () => new Promise((done) => {
          child.once("exit", done);
          child.kill("SIGTERM");
        });
        resolve({ info, stop });
      } catch (err) {
        child.kill("SIGKILL");
        reject(new Error(`emulator: unexpected first line: ${buf.slice(0, nl)}`, { cause: err }));
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`emulator exited early with code ${code}`)));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const dir = mkdtempSync(join(tmpdir(), "bench-cp-"));
  // Only PATH and a private HOME: no proxy, endpoint or cache settings of the caller.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  let emulator;
  try {
    const { makeCredentialProcessData } = await import("../dist/lib/pki/index.js");
    const data = await makeCredentialProcessData({ keyType: "ec-p256" });
    for (const f of data.files) writeFileSync(join(dir, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
    emulator = await startEmulator(join(dir, "root-cert.pem"), env);
    const { endpoint, trustAnchorArn, profileArn, roleArn } = emulator.info;
    const cp = [
      CLI, "credential-process",
      "--certificate", join(dir, "client-cert.pem"),
      "--private-key", join(dir, "client-key.pem"),
      "--trust-anchor-arn", trustAnchorArn,
      "--profile-arn", profileArn,
      "--role-arn", roleArn,
      "--endpoint", endpoint,
    ];
    const cacheEnv = { ...env, XDG_CACHE_HOME: join(dir, "cache") };
    const emptyModule = join(dir, "empty.mjs");
    writeFileSync(emptyModule, "");
    const variants = [
      { name: "node -e 0", args: ["-e", "0"], env, check: (r) => r.stdout === "" },
      { name: "node empty.mjs", args: [emptyModule], env, check: (r) => r.stdout === "" },
      { name: "credential-process --cache (warm)", args: [...cp, "--cache"], env: cacheEnv, check: (r) => r.stdout.startsWith('{"Version":1,') },
      { name: "credential-process (uncached)", args: cp, env, check: (r) => r.stdout.startsWith('{"Version":1,') },
    ];
    const times = variants.map(() => []);
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [k, v] of variants.entries()) {
        const r = await timed(process.execPath, v.args, v.env);
        if (r.code !== 0 || !v.check(r)) throw new Error(`${v.name} failed (exit ${r.code}): ${r.stderr.trim().split("\n")[0] ?? ""}`);
        if (i >= WARMUP) times[k].push(r.ms);
      }
    }
    const [base, emptyEsm, cached, uncached] = times.map(median);
    // Then CPU time, which machine load disturbs far less than wall time (a busy machine
    // stretches a process that starts threads more than `node -e 0`): one more pass, if perf can count.
    const cpu = variants.map(() => []);
    if ((await cpuMs(["-e", "0"], env)) !== undefined) {
      for (let i = 0; i < RUNS; i++) for (const [k, v] of variants.entries()) cpu[k].push(await cpuMs(v.args, v.env));
    }
    const cpuMedian = cpu[0].length > 0 && cpu.every((xs) => xs.every((x) => x !== undefined)) ? cpu.map(median) : undefined;
    const summary = {
      node: process.version,
      cpus: cpus().length,
      loadavg1m: Number(loadavg()[0].toFixed(2)),
      runs: RUNS,
      medianMs: { nodeE0: round(base), emptyEsm: round(emptyEsm), cached: round(cached), uncached: round(uncached) },
      ratio: { emptyEsm: round(emptyEsm / base, 2), cached: round(cached / base, 2), uncached: round(uncached / base, 2) },
      target: HAS_TARGET ? { cached: TARGET_CACHED, uncached: TARGET_UNCACHED } : null,
      ...(cpuMedian ? { cpuRatio: { cached: round(cpuMedian[2] / cpuMedian[0], 2), uncached: round(cpuMedian[3] / cpuMedian[0], 2) } } : {}),
    };
    if (asJson) {
      console.log(JSON.stringify(summary));
    } else {
      const ok = (r, t) => (!HAS_TARGET ? "(no target before Node.js 24)" : r <= t ? "OK" : "ABOVE TARGET");
      console.log(`credential-process start-up, median of ${RUNS} runs each, Node ${process.version}, ${summary.cpus} CPUs, load ${summary.loadavg1m}`);
      console.log("  (each a fresh process with only PATH and HOME set: NODE_OPTIONS, NODE_EXTRA_CA_CERTS and the like add the same cost to every start)");
      console.log(`  node -e 0:                          ${base.toFixed(1)} ms`);
      console.log(`  node empty.mjs (reference):         ${emptyEsm.toFixed(1)} ms  (${(emptyEsm / base).toFixed(2)} x: the ES module loader alone)`);
      console.log(`  credential-process --cache (warm):  ${cached.toFixed(1)} ms`);
      console.log(`  credential-process (uncached):      ${uncached.toFixed(1)} ms  (one CreateSession on loopback)`);
      console.log(`  ratio cached/node:   ${(cached / base).toFixed(2)} (target on Node 24 <= ${TARGET_CACHED}) ${ok(cached / base, TARGET_CACHED)}`);
      console.log(`  ratio uncached/node: ${(uncached / base).toFixed(2)} (target on Node 24 <= ${TARGET_UNCACHED}) ${ok(uncached / base, TARGET_UNCACHED)}`);
      if (cpuMedian) {
        const [b, , c, u] = cpuMedian;
        console.log(`  CPU time (perf stat task-clock, median): node -e 0 ${b.toFixed(1)} ms, cached ${c.toFixed(1)} ms (${(c / b).toFixed(2)} x), uncached ${u.toFixed(1)} ms (${(u / b).toFixed(2)} x)`);
      }
    }
  } finally {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main().catch((err) => {
  console.error(`bench-credential-process: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
