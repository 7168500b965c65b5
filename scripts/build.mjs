// Builds dist/ from src/, in four steps:
//  1. esbuild transpiles every module one to one (dist/lib/<same path>.js, ES
//     modules): the library entry points (".", "./provider", "./emulator",
//     "./pki") and their lazy import() boundaries;
//  2. esbuild bundles the CLI (dist/cli.js plus dist/cli-chunks/, CommonJS),
//     see below;
//  3. best effort, Linux only: the C compiler builds the optional hop-limit
//     addon (native/hoplimit/hoplimit.c -> dist/native/hoplimit.node); any
//     failure prints one line and the build goes on without it;
//  4. the TypeScript compiler type-checks and emits the .d.ts files.
// Run by `npm run build` and by `prepare`, so `npm ci` leaves a working CLI.
// BUILD_ALLOW_TYPE_ERRORS=1 keeps the JS even when tsc reports errors (local work only).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
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

rmSync(join(root, "dist"), { recursive: true, force: true });
const lib = join(root, "dist", "lib");
esbuild.buildSync({
  ...common,
  entryPoints: walk(join(root, "src")).filter((f) => f !== join(root, "src", "cli.ts")),
  outdir: lib,
  outbase: join(root, "src"),
  bundle: false,
});

// Module types by folder: dist/ is CommonJS (the CLI), dist/lib/ is ESM (the
// library). On Node.js 20 a CommonJS entry starts several milliseconds sooner
// than an ES module one (the ESM loader and its wrappers of built-in modules),
// a large share of the start-up budget of `credential-process`.
writeFileSync(join(root, "dist", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
writeFileSync(join(lib, "package.json"), `${JSON.stringify({ type: "module" })}\n`);

// The CLI as one esbuild bundle with code splitting, replacing the transpiled
// dist/cli.js: Node.js resolves, reads, compiles and links ES modules one by
// one (some 0.3 ms each), so the ~20 small modules on the start-up path of a
// command cost more than their code. Bundled, every import() of src/ stays a
// lazily loaded chunk in dist/cli-chunks/ (the other commands, undici, the
// X.509 libraries load only when used). npm packages stay external (resolved
// from node_modules as before).
//
// Chunk groups. esbuild puts a module in a chunk by the set of entry points
// (the CLI entry and every import() target) that reach it, which would still cut
// the path of `credential-process` into some twenty chunks. Each group below is
// the static-import closure of its roots (less the groups before it), meant to
// load as one chunk:
//   - startup: the CLI and the credential-process command up to a cache hit;
//   - fetch: what one CreateSession needs: the credential fetcher and what it
//     imports lazily (identity loading, signing, the client).
// The plugin makes every entry point that reaches a module of a group reach the
// whole group, through a virtual module importing all of it ("group:<name>"),
// imported in turn by every module that imports into the group from outside and
// by the group's own import() targets. So each group has one reach set and lands
// in one chunk (plus a one-line file per import() target). Commands that use
// part of a group load all of it, at next to no cost. The cycles this adds are
// harmless: a module still runs after its own imports.
const cliEntry = join(root, "src", "cli.ts");
const graph = esbuild.buildSync({
  ...common,
  entryPoints: [cliEntry],
  outdir: join(root, "dist"),
  bundle: true,
  splitting: true,
  packages: "external",
  write: false,
  metafile: true,
}).metafile;
const staticImports = (file) =>
  (graph.inputs[file]?.imports ?? []).filter((i) => i.kind === "import-statement" && !i.external).map((i) => i.path);
const lazyImports = (file) =>
  (graph.inputs[file]?.imports ?? []).filter((i) => i.kind === "dynamic-import" && !i.external).map((i) => i.path);
const lazyTargets = new Set(Object.keys(graph.inputs).flatMap(lazyImports));
const FETCHER = "src/credentials/fetcher.ts";
const groupRoots = {
  startup: ["src/cli/main.ts", "src/cli/commands/credential-process.ts"],
  fetch: [FETCHER, ...lazyImports(FETCHER)],
};
/** Group name of each grouped module. */
const groupOf = new Map();
for (const [name, roots] of Object.entries(groupRoots)) {
  const pending = [...roots];
  while (pending.length > 0) {
    const file = pending.pop();
    if (groupOf.has(file)) continue;
    groupOf.set(file, name);
    pending.push(...staticImports(file));
  }
}
/** The groups a module must import: those it imports into from outside, and its own when it is an import() target. */
function groupsToImport(file) {
  const own = groupOf.get(file);
  const out = new Set(staticImports(file).map((f) => groupOf.get(f)).filter((g) => g !== undefined && g !== own));
  if (own !== undefined && lazyTargets.has(file)) out.add(own);
  return [...out];
}
const chunkGroupsPlugin = {
  name: "chunk-groups",
  setup(build) {
    build.onResolve({ filter: /^group:/ }, (args) => ({ path: args.path.slice("group:".length), namespace: "chunk-group" }));
    build.onLoad({ filter: /.*/, namespace: "chunk-group" }, (args) => ({
      contents: [...groupOf]
        .filter(([, g]) => g === args.path)
        .map(([f]) => `import ${JSON.stringify(join(root, f))};`)
        .join("\n"),
      resolveDir: root,
      loader: "js",
    }));
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = relative(root, args.path).split(sep).join("/");
      const groups = rel.startsWith("src/") ? groupsToImport(rel) : [];
      if (groups.length === 0) return undefined;
      const text = readFileSync(args.path, "utf8");
      // After a hashbang line (src/cli.ts), which must stay first.
      const at = text.startsWith("#!") ? text.indexOf("\n") + 1 : 0;
      const imports = groups.map((g) => `import "group:${g}";\n`).join("");
      return { contents: text.slice(0, at) + imports + text.slice(at), loader: "ts" };
    });
  },
};
// esbuild splits code only for ES modules, so the split bundle is built in
// memory as ESM and each file is then rewritten to CommonJS: static imports
// become require() and every import() of a chunk becomes a lazy require() of
// it, so the chunks still load only when used, and once (Node.js's require
// cache), which keeps one copy of every class for instanceof. import.meta.url
// is replaced by the file's own URL. The CLI is minified (see below); the
// library in dist/lib/ is not.
const META_URL = "__signing_helper_module_url";
const split = await esbuild.build({
  ...common,
  entryPoints: { cli: cliEntry },
  outdir: join(root, "dist"),
  entryNames: "[name]",
  chunkNames: "cli-chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  packages: "external",
  write: false,
  define: { ...common.define, "import.meta.url": META_URL, __SIGNING_HELPER_CLI__: "true" },
  plugins: [chunkGroupsPlugin],
});
for (const file of split.outputFiles) {
  let code = file.text;
  const hashbang = code.startsWith("#!") ? code.slice(0, code.indexOf("\n") + 1) : "";
  code = esbuild.transformSync(code.slice(hashbang.length), {
    format: "cjs",
    platform: "node",
    target: "node20",
    supported: { "dynamic-import": false },
    logLevel: "error",
    // Minified: V8 pre-parses every byte of a chunk it loads, and a minified
    // chunk is about 40% smaller (some 0.8 ms less start-up for a cached
    // credential-process). Error names are set explicitly in src/, so nothing
    // depends on function names. BUILD_NO_MINIFY=1 keeps it readable (debugging).
    minify: process.env.BUILD_NO_MINIFY !== "1",
  }).code;
  if (code.includes(META_URL)) code = `var ${META_URL} = require("node:url").pathToFileURL(__filename).href;\n${code}`;
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, hashbang + code);
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
