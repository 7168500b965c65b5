/**
 * The start-up design of the built CLI, checked by what a process loads (not by
 * timing, which `npm run bench` measures): the CLI runs as CommonJS (Node.js
 * never starts its ES module loader); a warm `--cache` run loads neither
 * node:crypto nor any network or stream module nor any npm package; a run
 * without the cache and without a proxy sends with node:http (plain HTTP
 * endpoint), never loading node:https, node:tls or undici; with a proxy set
 * for a non-loopback endpoint, undici carries the request; a loopback endpoint
 * goes direct whatever the proxy settings. A preloaded script (node -r) reports the built-in modules and npm
 * packages at exit.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notLoopbackName, startProxy } from "../integration/session/helpers.js";
import { CLI, cleanEnv, cpArgs, parseOutput, run, type World } from "../integration/credential-process/world.js";
import { useE2eWorld } from "../helpers/e2e-world.js";

let w: World;
let dir: string;
let preload: string;
let n = 0;

useE2eWorld("cp-startup-", (world, d) => {
  w = world;
  dir = d;
  preload = join(dir, "report-modules.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length));
  const packages = [...new Set(Object.keys(require.cache).map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k)?.[1]).filter(Boolean))];
  require("node:fs").writeFileSync(process.env.MODULES_REPORT, JSON.stringify({ builtins, packages }));
});
`,
  );
});

interface Loaded {
  code: number;
  stdout: string;
  stderr: string;
  builtins: string[];
  packages: string[];
}

/** Runs the built CLI with the reporting preload. */
async function runReporting(args: string[], env: NodeJS.ProcessEnv): Promise<Loaded> {
  const report = join(dir, `report-${++n}.json`);
  const r = await run(process.execPath, ["-r", preload, CLI, ...args], { ...env, MODULES_REPORT: report });
  const { builtins, packages } = JSON.parse(readFileSync(report, "utf8")) as { builtins: string[]; packages: string[] };
  return { ...r, builtins, packages };
}

/** The ES module loader's own modules among `builtins`. */
const esmLoader = (builtins: string[]) => builtins.filter((b) => /^internal\/modules\/esm\/(loader|translators|module_job)$/.test(b)).sort();

/** What of the ES module loader an empty CommonJS script makes this Node.js load. */
async function plainCommonJsEsmLoader(): Promise<string[]> {
  const plain = join(dir, "plain.cjs");
  writeFileSync(plain, "");
  const report = join(dir, `report-plain-${++n}.json`);
  const r = await run(process.execPath, ["-r", preload, plain], { ...cleanEnv(dir), MODULES_REPORT: report });
  expect(r.code).toBe(0);
  return esmLoader((JSON.parse(readFileSync(report, "utf8")) as { builtins: string[] }).builtins);
}

const NETWORK_AND_STREAMS = ["crypto", "net", "tls", "http", "https", "stream", "tty", "dns", "zlib", "worker_threads"];

describe("credential-process start-up (built CLI)", () => {
  it("a warm --cache run loads no node:crypto, no network or stream module and no npm package", async () => {
    const env = cleanEnv(dir, { XDG_CACHE_HOME: join(dir, "cache") });
    const first = await runReporting(cpArgs(w, w.ec, ["--cache"]), env);
    expect(first.code).toBe(0);
    const warm = await runReporting(cpArgs(w, w.ec, ["--cache"]), env);
    expect(warm.stderr).toBe("");
    expect(warm.code).toBe(0);
    expect(warm.stdout).toBe(first.stdout);
    parseOutput(warm.stdout);
    expect(warm.builtins.filter((b) => NETWORK_AND_STREAMS.includes(b))).toEqual([]);
    expect(warm.packages).toEqual([]);
    // CommonJS all the way: no more of the ES module loader than a plain CommonJS script starts
    // (none on Node.js 20; Node.js 22+ runs every entry point through parts of it).
    expect(esmLoader(warm.builtins)).toEqual(await plainCommonJsEsmLoader());
  });

  it("without a proxy, CreateSession goes out with node:http: node:https, node:tls and undici are never loaded", async () => {
    const r = await runReporting(cpArgs(w, w.ec, ["--debug"]), cleanEnv(dir));
    expect(r.code).toBe(0);
    parseOutput(r.stdout);
    expect(r.stderr).toContain("CreateSession connection: direct (TCP)\n");
    expect(r.builtins).toContain("http");
    expect(r.builtins.filter((b) => ["https", "tls"].includes(b))).toEqual([]);
    expect(esmLoader(r.builtins)).toEqual(await plainCommonJsEsmLoader());
    expect(r.packages).toEqual([]);
  });

  it("with HTTP_PROXY set and a loopback endpoint, still direct: the proxy sees nothing, undici is not loaded", async () => {
    const proxy = await startProxy();
    try {
      const r = await runReporting(cpArgs(w, w.ec, ["--debug"]), cleanEnv(dir, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }));
      expect(r.code).toBe(0);
      parseOutput(r.stdout);
      expect(r.stderr).toContain("CreateSession connection: direct (TCP), a loopback endpoint never goes through a proxy\n");
      expect(proxy.seen).toEqual([]);
      expect(r.packages).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("with HTTP_PROXY set for a non-loopback endpoint, undici sends it through the proxy", async () => {
    const proxy = await startProxy();
    try {
      const args = cpArgs(w, w.ec, ["--debug"]).map((a) => (a === w.emu.endpoint ? notLoopbackName(a) : a));
      const r = await runReporting(args, cleanEnv(dir, { HTTP_PROXY: proxy.url }));
      expect(r.code).toBe(0);
      parseOutput(r.stdout);
      expect(r.stderr).toContain(`CreateSession connection: through the HTTP proxy ${proxy.url} (undici)\n`);
      expect(proxy.seen).toHaveLength(1);
      expect(proxy.seen[0]).toMatch(/^POST http:\/\/0\.0\.0\.0:\d+\/sessions\?/);
      expect(r.packages).toContain("undici");
    } finally {
      await proxy.close();
    }
  });

  it("--version prints the package's version (built into the bundle)", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };
    const r = await run(process.execPath, [CLI, "--version"], cleanEnv(dir));
    expect(r).toEqual({ code: 0, stdout: `${pkg.version} (compatible with aws_signing_helper 1.8.0)\n`, stderr: "" });
  });
});
