// Benchmark (not a test) of `serve`'s IMDS credentials route.
//
// Starts the emulator and serve in this process (from dist/, so run `npm run build`
// first), fetches an IMDSv2 token once, then drives
//   GET /latest/meta-data/iam/security-credentials/<role>  (x-aws-ec2-metadata-token)
// with N concurrent keep-alive connections for a fixed time, and does the same
// against a bare node:http server that answers the same bytes. The load comes from
// a worker thread (undici Pool), so it does not share the servers' event loop.
// Prints req/s of both, the ratio (target >= 0.6) and the CreateSession calls seen
// by the emulator's audit (target: exactly one, the startup one; none during the load).
//
// Usage: node scripts/bench-serve.mjs [--connections 32] [--duration 3] [--rounds 2] [--json]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/** Drives one URL with `connections` loops for `durationMs`; runs in the worker. */
async function runLoad({ origin, path, headers, connections, durationMs }) {
  const { Pool } = await import("undici");
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  let ok = 0;
  let failed = 0;
  const statuses = {};
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      try {
        const res = await pool.request({ path, method: "GET", headers });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode === 200) ok++;
        else {
          failed++;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        }
      } catch (err) {
        failed++;
        statuses[err.code ?? "error"] = (statuses[err.code ?? "error"] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { ok, failed, statuses, elapsedMs };
}

if (!isMainThread) {
  runLoad(workerData).then(
    (r) => parentPort.postMessage(r),
    (err) => parentPort.postMessage({ error: String(err?.stack ?? err) }),
  );
} else {
  await main();
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

/** Runs the load in a worker thread and resolves with its counts. */
function load(origin, path, headers, connections, durationMs) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { origin, path, headers, connections, durationMs } });
    w.once("message", (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.once("error", reject);
  });
}

async function main() {
  const connections = option("connections", 32);
  const durationMs = option("duration", 3) * 1000;
  const rounds = option("rounds", 2);
  const asJson = process.argv.includes("--json");
  const dist = new URL("../dist/lib/", import.meta.url);
  const [{ createRootCa, issueClientCertificate }, { startEmulator }, { startServe }, { createCredentialFetcher }, { resolveSessionConfig }] =
    await Promise.all([
      import(new URL("pki/index.js", dist).href),
      import(new URL("emulator/index.js", dist).href),
      import(new URL("outputs/serve-runner.js", dist).href),
      import(new URL("credentials/fetcher.js", dist).href),
      import(new URL("session/config.js", dist).href),
    ]).catch((err) => {
      console.error(`bench-serve: cannot load dist/: ${err.message}`);
      console.error("hint: run 'npm run build' (or 'node scripts/build.mjs') first");
      process.exit(1);
    });

  const dir = mkdtempSync(join(tmpdir(), "bench-serve-"));
  const cleanup = [];
  try {
    const root = await createRootCa({ subject: "CN=BENCH ROOT,O=TEST ONLY" });
    const leaf = await issueClientCertificate(root, { subject: "CN=bench client,O=TEST ONLY" });
    writeFileSync(join(dir, "cert.pem"), leaf.certPem);
    writeFileSync(join(dir, "key.pem"), leaf.keyPem, { mode: 0o600 });
    const roleArn = "arn:aws:iam::123456789012:role/bench";
    const emu = await startEmulator({ trustAnchorCertPem: root.certPem, roleArn, host: "127.0.0.1", port: 0 });
    cleanup.push(() => emu.close());
    const config = resolveSessionConfig(
      { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn, endpoint: emu.endpoint },
      {},
    );
    const fetch = createCredentialFetcher({ certificate: { path: join(dir, "cert.pem") }, privateKey: { path: join(dir, "key.pem") } }, config);
    const serve = await startServe({ fetch, roleArn, port: 0, log: (l) => console.error(l) });
    cleanup.push(() => serve.close());

    // One token, then the credentials document: the bare server answers exactly these bytes.
    const tokenRes = await globalThis.fetch(new URL("/latest/api/token", serve.url), {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
    });
    const token = await tokenRes.text();
    const path = "/latest/meta-data/iam/security-credentials/bench";
    const headers = { "x-aws-ec2-metadata-token": token };
    const sample = await globalThis.fetch(new URL(path, serve.url), { headers });
    if (sample.status !== 200) throw new Error(`serve answered ${sample.status} on the credentials route`);
    const body = Buffer.from(await sample.arrayBuffer());

    const bare = createServer((req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": body.length,
        "Cache-Control": "no-store",
      });
      res.end(body);
    });
    await new Promise((r) => bare.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => bare.close(r)));
    const bareOrigin = `http://127.0.0.1:${bare.address().port}`;
    const serveOrigin = new URL(serve.url).origin;

    const sessions = () => emu.audit.filter((e) => e.operation === "CreateSession").length;
    const sessionsBefore = sessions();

    // Warm both up, then alternate so neither side gets the warmer machine.
    await load(bareOrigin, path, headers, connections, 500);
    await load(serveOrigin, path, headers, connections, 500);
    const results = { bare: [], serve: [] };
    for (let i = 0; i < rounds; i++) {
      results.bare.push(await load(bareOrigin, path, headers, connections, durationMs));
      results.serve.push(await load(serveOrigin, path, headers, connections, durationMs));
    }
    const sessionsDuringLoad = sessions() - sessionsBefore;

    const rate = (rs) => rs.reduce((a, r) => a + r.ok, 0) / (rs.reduce((a, r) => a + r.elapsedMs, 0) / 1000);
    const failures = (rs) => rs.reduce((a, r) => a + r.failed, 0);
    const bareRps = rate(results.bare);
    const serveRps = rate(results.serve);
    const ratio = serveRps / bareRps;
    const summary = {
      connections,
      durationSeconds: durationMs / 1000,
      rounds,
      bareRps: Math.round(bareRps),
      serveRps: Math.round(serveRps),
      ratio: Math.round(ratio * 1000) / 1000,
      ratioTarget: 0.6,
      createSessionTotal: sessions(),
      createSessionDuringLoad: sessionsDuringLoad,
      non200: { bare: failures(results.bare), serve: failures(results.serve) },
      node: process.version,
    };
    if (asJson) console.log(JSON.stringify(summary));
    else {
      console.log(`serve IMDS credentials route, ${connections} keep-alive connections, ${rounds} x ${durationMs / 1000} s each, Node ${process.version}`);
      console.log(`  bare node:http (same JSON): ${summary.bareRps.toLocaleString("en")} req/s`);
      console.log(`  serve:                      ${summary.serveRps.toLocaleString("en")} req/s`);
      console.log(`  ratio serve/bare:           ${summary.ratio.toFixed(2)} (target >= 0.6) ${ratio >= 0.6 ? "OK" : "BELOW TARGET"}`);
      console.log(
        `  CreateSession calls:        ${summary.createSessionTotal} in all, ${sessionsDuringLoad} during the load (target: exactly 1, the startup one) ${summary.createSessionTotal === 1 && sessionsDuringLoad === 0 ? "OK" : "OFF TARGET"}`,
      );
      if (summary.non200.bare || summary.non200.serve) {
        console.log(`  non-200 answers: bare ${summary.non200.bare}, serve ${summary.non200.serve}`, results.serve.map((r) => r.statuses));
      }
    }
    if (summary.non200.serve > 0) process.exitCode = 1;
  } finally {
    for (const f of cleanup.reverse()) await f();
    rmSync(dir, { recursive: true, force: true });
  }
}
