// Bundles the GitHub Action (src/action/main.ts and everything it imports,
// npm dependencies included) into one committed file, action/dist/index.mjs,
// which action.yml runs with the runner's Node.js 24: a JavaScript action gets
// no `npm install`, so its code and dependencies travel in the repository. Not
// minified: reviewable, and git merges two rebuilds after independent changes.
//   node scripts/build-action.mjs           writes the bundle
//   node scripts/build-action.mjs --check   exits 1 when the committed bundle is not what the sources build
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = join(root, "action", "dist", "index.mjs");

const result = esbuild.buildSync({
  entryPoints: [join(root, "src", "action", "main.ts")],
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  write: false,
  outfile: out,
  logLevel: "error",
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  // Bundled CommonJS dependencies call require() for Node.js built-ins.
  banner: { js: 'import { createRequire as __actionCreateRequire } from "node:module";\nconst require = __actionCreateRequire(import.meta.url);' },
  legalComments: "eof",
});
const text = result.outputFiles[0].text;

if (process.argv.includes("--check")) {
  const committed = existsSync(out) ? readFileSync(out, "utf8") : "";
  if (committed !== text) {
    console.error("action/dist/index.mjs is not what the sources build: run `npm run build:action` and commit the result");
    process.exitCode = 1;
  }
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}
