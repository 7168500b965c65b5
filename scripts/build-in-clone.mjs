// `prepare` of package.json: builds dist/ in a clone (so `npm ci` or `npm install`
// there leaves a working CLI, and `npm pack` packs a fresh dist/), and does
// nothing at all in an installed package. The packed tarball ships dist/ built
// and this file, but not scripts/build.mjs or src/: npm runs no `prepare` for a
// tarball or registry install, and any tool that does run it finds nothing
// missing and nothing to do.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "scripts", "build.mjs");
if (existsSync(build) && existsSync(join(root, "src"))) {
  const r = spawnSync(process.execPath, [build], { stdio: "inherit", cwd: root });
  process.exitCode = r.status ?? 1;
}
