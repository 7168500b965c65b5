// npm run simulate-fleet -- --workloads 10000 --tps 10 --session-duration 3600 [--restart-at T] [--json]
//   [--scaling] [--duration S] [--latency MS] [--seed N] [--out DIR]
// A fleet of workloads sharing the CreateSession quota, in virtual time (src/fleet/simulate.ts: the real
// refresher, cache rules and retry policy with an injected clock and timers against a token bucket).
// Prints a summary (or, with --json, one JSON object on stdout) and writes fleet-simulation.json and
// fleet-simulation.svg (CreateSession per second over time, with the quota line) to --out (default .).
// --scaling runs 100, 10,000 and 100,000 workloads with the same settings and prints a table.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lib = join(root, "dist", "lib", "fleet", "simulate.js");

function fail(message, code = 2) {
  process.stderr.write(`simulate-fleet: ${message}\n`);
  process.exit(code);
}

const flags = { workloads: 10000, tps: 10, "session-duration": 3600, latency: 50, seed: 1, out: "." };
const bools = new Set(["json", "scaling"]);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith("--")) fail(`unexpected argument ${JSON.stringify(a)}`);
  const name = a.slice(2);
  if (bools.has(name)) {
    flags[name] = true;
    continue;
  }
  if (!["workloads", "tps", "session-duration", "restart-at", "duration", "latency", "seed", "out"].includes(name)) fail(`unknown flag ${a}`);
  const v = argv[++i];
  if (v === undefined) fail(`${a} needs a value`);
  flags[name] = name === "out" ? v : Number(v);
  if (name !== "out" && !(Number.isFinite(flags[name]) && flags[name] >= 0)) fail(`${a} must be a number >= 0, not ${JSON.stringify(v)}`);
}
if (!(flags.workloads >= 1 && flags.workloads <= 1_000_000 && Number.isInteger(flags.workloads))) fail("--workloads must be an integer 1-1000000");
if (!(flags.tps > 0)) fail("--tps must be above 0");
if (!(flags["session-duration"] >= 900 && flags["session-duration"] <= 43200)) fail("--session-duration must be 900-43200 seconds");
if (!existsSync(lib)) fail("dist/lib/fleet/simulate.js is missing: run `npm run build` first", 1);
const { simulateFleet, fleetChartSvg } = await import(pathToFileURL(lib).href);

function options(workloads) {
  const o = { workloads, tps: flags.tps, sessionDurationSeconds: flags["session-duration"], latencyMs: flags.latency, seed: flags.seed };
  if (flags["restart-at"] !== undefined) o.restartAtSeconds = flags["restart-at"];
  if (flags.duration !== undefined) o.durationSeconds = flags.duration;
  return o;
}

async function run(workloads) {
  const t0 = process.hrtime.bigint();
  const report = await simulateFleet(options(workloads));
  report.wallSeconds = Math.round(Number(process.hrtime.bigint() - t0) / 1e6) / 1000;
  return report;
}

const out = resolve(flags.out);
mkdirSync(out, { recursive: true });
const fmt = (v, k, r) => (v === null ? (k === "secondsUntilAllCredentialedAfterRestart" && (r.restartAtSeconds === null || r.restartAtSeconds >= r.simulatedSeconds) ? "-" : "never") : typeof v === "number" ? v.toLocaleString("en-US") : String(v));
const COLS = [
  ["workloads", "workloads"],
  ["requiredTps", "needs TPS"],
  ["simulatedSeconds", "simulated s"],
  ["peakCreateSessionPerSecond", "peak CS/s"],
  ["secondsUntilAllCredentialed", "s until all credentialed"],
  ["secondsUntilAllCredentialedAfterRestart", "s after restart"],
  ["failedFetches", "failed fetches"],
  ["throttledCalls", "throttled calls"],
  ["createSessionPerHourSteady", "CS/h steady"],
  ["secondsWithoutCredentials", "workload-s without creds"],
  ["wallSeconds", "wall s"],
];
function table(reports) {
  const rows = [COLS.map(([, h]) => h), ...reports.map((r) => COLS.map(([k]) => fmt(r[k], k, r)))];
  const widths = COLS.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((c, i) => c.padStart(widths[i])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

if (flags.scaling) {
  const reports = [];
  for (const w of [100, 10_000, 100_000]) {
    if (!flags.json) process.stderr.write(`simulating ${w.toLocaleString("en-US")} workloads…\n`);
    reports.push(await run(w));
  }
  const slim = reports.map(({ series, ...rest }) => rest);
  writeFileSync(join(out, "fleet-scaling.json"), JSON.stringify(slim, null, 2) + "\n");
  writeFileSync(join(out, "fleet-scaling.md"), table(reports) + "\n");
  if (flags.json) process.stdout.write(JSON.stringify({ scaling: slim }) + "\n");
  else process.stdout.write(`tps ${flags.tps}, session ${flags["session-duration"]} s${flags["restart-at"] !== undefined ? `, restart at ${flags["restart-at"]} s` : ""}\n${table(reports)}\nwrote ${join(out, "fleet-scaling.json")}\n`);
} else {
  const report = await run(flags.workloads);
  writeFileSync(join(out, "fleet-simulation.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(out, "fleet-simulation.svg"), fleetChartSvg(report));
  if (flags.json) {
    const { series, ...rest } = report;
    process.stdout.write(JSON.stringify(rest) + "\n");
  } else {
    process.stdout.write(`${table([report])}\nwrote ${join(out, "fleet-simulation.json")} and ${join(out, "fleet-simulation.svg")}\n`);
  }
}
