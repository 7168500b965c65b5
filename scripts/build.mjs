// Builds dist/ from src/, in four steps:
//  1. esbuild transpiles every module one to one (dist/lib/<same path>.js, ES
//     modules): the library entry points (".", "./provider", "./emulator",
//     "./pki") and their lazy import() boundaries;
//  2. esbuild bundles the CLI into two CommonJS files, see below;
//  3. best effort, Linux only: the C compiler builds the optional hop-limit
//     addon (native/hoplimit/hoplimit.c -> dist/native/hoplimit.node); any
//     failure prints one line and the build goes on without it;
//  4. the TypeScript compiler type-checks and emits the .d.ts files.
// Run by `npm run build` and by `prepare`, so `npm ci` leaves a working CLI.
// BUILD_ALLOW_TYPE_ERRORS=1 keeps the JS even when tsc reports errors (local work only).
//
// The CLI's layout, measured (issue 12): CPU time (perf stat -e task-clock,
// median of 11 interleaved runs, 2 CPUs) of `credential-process --cache` on a
// warm cache and of one uncached run against the emulator, as multiples of
// `node -e 0`, on Node.js 24.21 | 22.23:
//   - before: ESM bundle split into chunks, a chunk-groups plugin (two chunks
//     on the start-up path), each file rewritten to CommonJS, the code cache
//     on the CreateSession chunk only:           cached 1.42 | 1.30, uncached 2.49 | 2.28
//   - now: two CommonJS bundles straight from esbuild, the code cache over
//     all of the CLI:                            cached 1.43 | 1.35, uncached 2.32 | 2.31
//   - ESM, split, with the chunk groups:         cached 1.69 | 1.81, uncached 2.95 | 3.00
//   - ESM, split, no groups (~70 chunks):        cached 1.85 (24),   uncached 3.04 (24)
//   - ESM, one file: cached 11x: in one ES module esbuild hoists every npm
//     import of the bundle to the top, so undici and the X.509 libraries load
//     on every start; in CommonJS they stay lazy require()s.
// So the chunk groups and the rewrite go (no gain on 22 and 24), and the CLI
// stays CommonJS, as esbuild emits it. One bundle file also suits the
// single-file executable (scripts/build-sea.mjs bundles src/cli.ts the same way).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

const common = {
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "error",
  // The package version, known at build time: no package.json read at run time
  // (src/ falls back to reading it when this is not defined, e.g. under vitest).
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
};

const CLI_ENTRY = join(root, "src", "cli", "bin.ts");
const CLI_MAIN = join(root, "src", "cli.ts");

rmSync(join(root, "dist"), { recursive: true, force: true });
const lib = join(root, "dist", "lib");
esbuild.buildSync({
  ...common,
  entryPoints: walk(join(root, "src")).filter((f) => f !== CLI_MAIN && f !== CLI_ENTRY),
  outdir: lib,
  outbase: join(root, "src"),
  bundle: false,
});

// Module types by folder: dist/ is CommonJS (the CLI), dist/lib/ is ESM (the library).
writeFileSync(join(root, "dist", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
writeFileSync(join(lib, "package.json"), `${JSON.stringify({ type: "module" })}\n`);

// The CLI, in two bundles:
//   - dist/cli.js (src/cli/bin.ts): a few hundred bytes that turn the V8 code
//     cache on (src/cli/code-cache.ts, Node.js 22.8+), then require
//   - dist/cli-main.js (src/cli.ts): all of the CLI's own code in one file, so
//     Node.js reads and compiles one file (from the code cache when it is on),
//     not some twenty modules one by one. Every import() of src/ becomes a lazy
//     initialiser inside the file, and npm packages stay external, each loaded
//     by a require() only when the code that uses it runs (the other commands'
//     packages, undici, the X.509 libraries).
// Minified: V8 pre-parses every byte it compiles without a cache, and minified
// code is about 40% smaller. Error names are set explicitly in src/, so nothing
// depends on function names. BUILD_NO_MINIFY=1 keeps it readable (debugging).
// import.meta.url (the package.json fallback, the addon's path) becomes the
// file's own URL.
const META_URL = "__signing_helper_module_url";
const cliBundle = {
  ...common,
  format: "cjs",
  bundle: true,
  packages: "external",
  // import() of a package becomes a lazy require() too (no ES module loader).
  supported: { "dynamic-import": false },
  minify: process.env.BUILD_NO_MINIFY !== "1",
  write: false,
  define: { ...common.define, "import.meta.url": META_URL, __SIGNING_HELPER_CLI__: "true" },
};
const outputs = [
  ...esbuild.buildSync({ ...cliBundle, entryPoints: [CLI_ENTRY], outfile: join(root, "dist", "cli.js"), external: ["./cli-main.js"] }).outputFiles,
  ...esbuild.buildSync({ ...cliBundle, entryPoints: [CLI_MAIN], outfile: join(root, "dist", "cli-main.js") }).outputFiles,
];
for (const file of outputs) {
  let code = file.text;
  const hashbang = code.startsWith("#!") ? code.slice(0, code.indexOf("\n") + 1) : "";
  code = code.slice(hashbang.length);
  if (code.includes(META_URL)) code = `var ${META_URL}=require("node:url").pathToFileURL(__filename).href;${code}`;
  // Only the entry is executable: dist/cli-main.js is required by it.
  writeFileSync(file.path, file.path.endsWith("cli.js") ? hashbang + code : code);
}
chmodSync(join(root, "dist", "cli.js"), 0o755);

// The optional N-API addon that lets `serve --hop-limit` set IP_TTL /
// IPV6_UNICAST_HOPS (src/outputs/serve/native-hop-limit.ts). One C file, so the
// C compiler is called directly: no node-gyp, Python or header download. N-API
// keeps one build loadable by every Node.js version the package supports.
// Never fails the build: without the addon `serve` runs in pure Node.js.
function buildHopLimitAddon() {
  const skip = (why) => console.error(`build: hop-limit addon not built (${why}); serve --hop-limit will be accepted but not enforced`);
  if (process.platform !== "linux") return skip(`${process.platform} is not supported`);
  if (process.env.SIGNING_HELPER_NO_NATIVE === "1") return skip("SIGNING_HELPER_NO_NATIVE=1");
  const headerDirs = [process.env.npm_config_nodedir, join(dirname(process.execPath), "..")]
    .filter((d) => typeof d === "string" && d !== "")
    .map((d) => join(d, "include", "node"));
  const include = headerDirs.find((d) => existsSync(join(d, "node_api.h")));
  if (include === undefined) return skip("no Node.js headers (node_api.h) next to this node");
  const out = join(root, "dist", "native", "hoplimit.node");
  mkdirSync(dirname(out), { recursive: true });
  const cc = process.env.CC || "cc";
  const flags = ["-O2", "-Wall", "-Wextra", "-fPIC", "-shared", "-fvisibility=hidden", "-DNAPI_VERSION=8", `-I${include}`];
  const c = spawnSync(cc, [...flags, join(root, "native", "hoplimit", "hoplimit.c"), "-o", `${out}.tmp`], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (c.error || c.status !== 0) {
    rmSync(`${out}.tmp`, { force: true });
    const why = c.error ? c.error.message : (c.stderr.trim().split("\n").find((l) => /error/i.test(l)) ?? `exit ${c.status}`);
    return skip(`${cc}: ${why}`);
  }
  renameSync(`${out}.tmp`, out);
}
buildHopLimitAddon();

const tsc = require.resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--emitDeclarationOnly"], {
  stdio: "inherit",
  cwd: root,
});
if (r.status !== 0) {
  if (process.env.BUILD_ALLOW_TYPE_ERRORS === "1") {
    console.error("build: type errors above (kept the JS because BUILD_ALLOW_TYPE_ERRORS=1)");
  } else {
    console.error("build: type check failed");
    process.exit(r.status ?? 1);
  }
}
