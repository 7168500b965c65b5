// Builds dist/ from src/: esbuild transpiles every module (fast, keeps the
// lazy import() boundaries so each command loads only what it uses), then the
// TypeScript compiler type-checks and emits the .d.ts files.
// Run by `npm run build` and by `prepare`, so `npm ci` leaves a working CLI.
// BUILD_ALLOW_TYPE_ERRORS=1 keeps the JS even when tsc reports errors (local work only).
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

rmSync(join(root, "dist"), { recursive: true, force: true });
esbuild.buildSync({
  entryPoints: walk(join(root, "src")),
  outdir: join(root, "dist"),
  outbase: join(root, "src"),
  format: "esm",
  platform: "node",
  target: "node20",
  bundle: false,
  logLevel: "error",
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
