/**
 * Importing the provider must stay cheap: the modules loaded at import time are
 * the provider's own few files, and every heavy one (identity loading, signing,
 * undici, smithy, x509) is behind an import() that runs on the first call.
 * esbuild's module graph of src/provider/index.ts tells which is which.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../../", import.meta.url));

interface Graph {
  /** Source files (relative to the repo) loaded when the entry is imported. */
  eager: Set<string>;
  /** npm packages or node: modules imported at load time. */
  eagerExternal: Set<string>;
  /** Everything reachable, also through import(). */
  all: Set<string>;
  allExternal: Set<string>;
}

function moduleGraph(entry: string): Graph {
  const esbuild = require("esbuild") as typeof import("esbuild");
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    packages: "external",
    outdir: "out", // nothing is written
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile!.outputs;
  const entryOut = Object.keys(outputs).find((k) => outputs[k]!.entryPoint === entry)!;
  const graph: Graph = { eager: new Set(), eagerExternal: new Set(), all: new Set(), allExternal: new Set() };
  // Output paths in imports are the keys of `outputs`. A chunk reached eagerly is walked again
  // even if first seen lazily, so "eager" wins.
  const seen = new Map<string, boolean>();
  const walk = (out: string, eager: boolean) => {
    const before = seen.get(out);
    if (before === true || (before === false && !eager)) return;
    seen.set(out, eager);
    const o = outputs[out]!;
    for (const input of Object.keys(o.inputs)) {
      graph.all.add(input);
      if (eager) graph.eager.add(input);
    }
    for (const imp of o.imports) {
      const isStatic = imp.kind === "import-statement";
      if (imp.external) {
        graph.allExternal.add(imp.path);
        if (eager && isStatic) graph.eagerExternal.add(imp.path);
      } else {
        walk(imp.path, eager && isStatic);
      }
    }
  };
  walk(entryOut, true);
  return graph;
}

describe("provider import cost", () => {
  it("loads only the provider's own small modules at import time; the rest on first call", () => {
    const g = moduleGraph("src/provider/index.ts");
    expect([...g.eager].sort()).toEqual([
      "src/clock.ts",
      "src/credentials/fetcher.ts",
      "src/provider/assume-role-chain.ts",
      "src/provider/from-roles-anywhere.ts",
      "src/provider/from-saml.ts",
      "src/provider/index.ts",
      "src/provider/refreshing-provider.ts",
    ]);
    expect([...g.eagerExternal]).toEqual([]);
    // The heavy parts are reachable, lazily (so the check above is not vacuous).
    for (const lazy of ["src/identity/load.ts", "src/session/create-session.ts", "src/credentials/refresher.ts", "src/signer/sign-request.ts", "src/sources/sts/client.ts"]) {
      expect(g.all.has(lazy), lazy).toBe(true);
    }
    for (const pkg of ["undici", "@smithy/property-provider", "@smithy/signature-v4"]) expect(g.allExternal.has(pkg), pkg).toBe(true);
  });
});
