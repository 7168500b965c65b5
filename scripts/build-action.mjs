// Bundles the GitHub Action (src/action/main.ts and everything it imports,
// npm dependencies included) into one committed file, action/dist/index.mjs,
// which action.yml runs with the runner's Node.js 24: a JavaScript action gets
// no `npm install`, so its code and dependencies travel in the repository. Not
// minified: reviewable, and git merges two rebuilds after independent changes.
//   node scripts/build-action.mjs           writes the bundle
//   node scripts/build-action.mjs --check   exits 1 when the committed bundle is not what the sources build
//   node scripts/build-action.mjs --check-action   the same for the Action's own modules (src/action/) only
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const esbuild = require("esbuild");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = join(root, "action", "dist", "index.mjs");

// Packages with a native part cannot travel in one file (the Action takes its
// key as a value; PKCS#11 is for the npm package): each is replaced by a module
// that throws, so a lazy import of it fails with the caller's own clear error.
const NATIVE_PACKAGES = ["pkcs11js"];
const nativeUnavailable = {
  name: "native-packages-unavailable",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${NATIVE_PACKAGES.join("|")})$`) }, (args) => ({ path: args.path, namespace: "unavailable" }));
    // And any other addon file a dependency requires (a native package added later).
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: "unavailable" }));
    build.onLoad({ filter: /.*/, namespace: "unavailable" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} has a native part and is not inside the Action's bundle`)});`,
      loader: "js",
    }));
  },
};

const result = await esbuild.build({
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
  plugins: [nativeUnavailable],
});
const text = result.outputFiles[0].text;

/** The text of each module of a bundle, by its path (esbuild starts each module's code with a `// path` line). */
function modules(bundle) {
  const out = new Map();
  let current;
  for (const line of bundle.split("\n")) {
    const m = /^\/\/ ((?:src|node_modules)\/\S+|[a-z-]+:\S+)$/.exec(line);
    if (m) current = m[1];
    else if (current !== undefined) out.set(current, `${out.get(current) ?? ""}${line}\n`);
  }
  return out;
}

const committed = existsSync(out) ? readFileSync(out, "utf8") : "";
if (process.argv.includes("--check")) {
  // Strict: the whole bundle, the library and npm dependencies included (before a release).
  if (committed !== text) {
    console.error("action/dist/index.mjs is not what the sources build: run `npm run build:action` and commit the result");
    process.exitCode = 1;
  }
} else if (process.argv.includes("--check-action")) {
  // The Action's own modules (src/action/): the library it bundles may lag behind
  // src/ between rebuilds, but the Action's code never does.
  const fresh = modules(text);
  const old = modules(committed);
  const stale = [...fresh.keys()].filter((path) => path.startsWith("src/action/") && fresh.get(path) !== old.get(path));
  if (stale.length > 0) {
    console.error(`action/dist/index.mjs holds an old ${stale.join(", ")}: run \`npm run build:action\` and commit the result`);
    process.exitCode = 1;
  }
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}
