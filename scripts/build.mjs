// Builds dist/ from src/, in three steps:
//  1. esbuild transpiles every module one to one (dist/<same path>.js): the
//     library entry points (".", "./provider", "./emulator", "./pki") and their
//     lazy import() boundaries;
//  2. esbuild bundles the CLI (dist/cli.js plus dist/cli-chunks/), see below;
//  3. the TypeScript compiler type-checks and emits the .d.ts files.
// Run by `npm run build` and by `prepare`, so `npm ci` leaves a working CLI.
// BUILD_ALLOW_TYPE_ERRORS=1 keeps the JS even when tsc reports errors (local work only).
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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

rmSync(join(root, "dist"), { recursive: true, force: true });
esbuild.buildSync({
  ...common,
  entryPoints: walk(join(root, "src")),
  outdir: join(root, "dist"),
  outbase: join(root, "src"),
  bundle: false,
});

// The CLI as one esbuild bundle with code splitting, replacing the transpiled
// dist/cli.js: Node.js resolves, reads and links ES modules one by one (about
// 0.3 ms each), so the ~20 small modules on the start-up path of a command cost
// more than their code. Bundled, every import() of src/ stays a lazily loaded
// chunk in dist/cli-chunks/ (the other commands, identity loading and signing,
// undici, the X.509 libraries load only when used). npm packages stay external
// (resolved from node_modules as before).
//
// esbuild splits shared code by the set of entry points (the CLI entry and
// every import() target) that reach it, which would cut the start-up path into
// some ten small chunks. The start-up path is the static-import closure of
// main.ts and of the credential-process command (whose cache-hit path must be
// fast). The plugin below makes every entry point reach that whole closure,
// through a virtual "startup" module importing all of it, imported in turn by
// every module outside the closure and by the closure's own import() targets;
// so the closure has one reach set and lands in one chunk, and
// `credential-process` starts with three files: dist/cli.js, that chunk and the
// command's one-line entry. Other commands load it too, at next to no cost.
// (The cycles this adds are harmless: a module still runs after its own imports.)
const cliEntry = join(root, "src", "cli.ts");
const startupRoots = ["src/cli/main.ts", "src/cli/commands/credential-process.ts"];
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
const startup = new Set();
const pending = [...startupRoots];
while (pending.length > 0) {
  const file = pending.pop();
  if (startup.has(file)) continue;
  startup.add(file);
  for (const imp of graph.inputs[file]?.imports ?? []) {
    if (imp.kind === "import-statement" && !imp.external) pending.push(imp.path);
  }
}
const lazyTargets = new Set(
  Object.values(graph.inputs).flatMap((i) => i.imports.filter((imp) => imp.kind === "dynamic-import" && !imp.external).map((imp) => imp.path)),
);
const STARTUP = "startup-closure:";
const startupChunkPlugin = {
  name: "startup-chunk",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${STARTUP}$`) }, () => ({ path: "startup", namespace: "startup-closure" }));
    build.onLoad({ filter: /.*/, namespace: "startup-closure" }, () => ({
      contents: [...startup].map((f) => `import ${JSON.stringify(join(root, f))};`).join("\n"),
      resolveDir: root,
      loader: "js",
    }));
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = args.path.slice(root.length + 1);
      if (!rel.startsWith("src/") || (startup.has(rel) && !lazyTargets.has(rel))) return undefined;
      const text = readFileSync(args.path, "utf8");
      // After a hashbang line (src/cli.ts), which must stay first.
      const at = text.startsWith("#!") ? text.indexOf("\n") + 1 : 0;
      return { contents: `${text.slice(0, at)}import "${STARTUP}";\n${text.slice(at)}`, loader: "ts" };
    });
  },
};
await esbuild.build({
  ...common,
  entryPoints: { cli: cliEntry },
  outdir: join(root, "dist"),
  entryNames: "[name]",
  chunkNames: "cli-chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  packages: "external",
  allowOverwrite: true,
  plugins: [startupChunkPlugin],
});
chmodSync(join(root, "dist", "cli.js"), 0o755);

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
