// Builds dist/ from src/ with the TypeScript compiler (declarations included),
// then marks the CLI entry executable. Run by `npm run build` and by `prepare`,
// so `npm ci` on a fresh clone leaves a working `node dist/cli.js`.
import { spawnSync } from "node:child_process";
import { chmodSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
rmSync(join(root, "dist"), { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
if (r.status !== 0) {
  console.error("build: tsc failed");
  process.exit(r.status ?? 1);
}
const cli = join(root, "dist", "cli.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
