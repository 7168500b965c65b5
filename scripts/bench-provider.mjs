// Benchmark (not a test): fromRolesAnywhere() calls per second on a warm cache.
// Starts the emulator on 127.0.0.1 with a PKI made on the spot, warms the
// provider with one CreateSession, then times awaited calls that the cache
// answers. Target: a cached call costs under 5 microseconds.
// Needs dist/ (npm run build). Prints one line per measurement; exit code 0
// even when the target is missed (it says so).
import { performance } from "node:perf_hooks";

const dist = new URL("../dist/lib/", import.meta.url);
const { fromRolesAnywhere } = await import(new URL("provider/index.js", dist).href);
const { startEmulator } = await import(new URL("emulator/index.js", dist).href);
const { createRootCa, issueClientCertificate } = await import(new URL("pki/index.js", dist).href);

const TARGET_US = 5;
const root = await createRootCa({ subject: "CN=BENCH ROOT" });
const client = await issueClientCertificate(root, { subject: "CN=bench-client" });
const emu = await startEmulator({ trustAnchorCertPem: root.certPem });
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !/_proxy$/i.test(k)));

try {
  const provider = fromRolesAnywhere({
    certificate: client.certPem,
    privateKey: client.keyPem,
    trustAnchorArn: emu.trustAnchorArn,
    profileArn: emu.profileArn,
    roleArn: emu.roleArn,
    endpoint: emu.endpoint,
    env,
  });
  await provider(); // the one CreateSession

  const sequential = async (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await provider();
    return performance.now() - t0;
  };
  const concurrent = async (n, batch) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: batch }, () => provider()));
    return performance.now() - t0;
  };

  await sequential(200_000); // JIT warm-up
  const report = (label, n, ms) => {
    const us = (ms * 1000) / n;
    const perSec = Math.round(n / (ms / 1000));
    console.log(
      `provider ${label}: ${perSec.toLocaleString("en-US")} calls/s, ${us.toFixed(3)} µs/call` +
        ` (target < ${TARGET_US} µs: ${us < TARGET_US ? "met" : "MISSED"})`,
    );
  };
  const N = 1_000_000;
  report("warm cache, awaited one by one", N, await sequential(N));
  report("warm cache, 100 concurrent callers", N, await concurrent(N, 100));
  const sessions = emu.audit.filter((e) => e.operation === "CreateSession").length;
  console.log(`provider CreateSession calls during the benchmark: ${sessions} (expected 1)`);
} finally {
  await emu.close();
}
