/**
 * The published layout: every entry of package.json "exports" resolves (by the
 * package's own name, as a user's import does) to the built ES module library
 * in dist/lib with its type declarations; the bins point at the CommonJS CLI
 * bundle, which runs. Guards the dist/ (CommonJS) and dist/lib/ (ESM) split.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuiltCli } from "../integration/credential-process/world.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

describe("package layout (built)", () => {
  it("resolves every export by the package name to an ES module with its declarations", async () => {
    requireBuiltCli();
    const expected: Record<string, string> = { ".": "fromRolesAnywhere", "./provider": "fromRolesAnywhere", "./emulator": "startEmulator", "./pki": "createRootCa", "./verifier": "verifyIdentityToken" };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === "./package.json") continue;
      const t = target as { types: string; default: string };
      expect(existsSync(join(root, t.types)), t.types).toBe(true);
      expect(t.default.startsWith("./dist/lib/"), t.default).toBe(true);
      const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const mod = (await import(specifier)) as Record<string, unknown>;
      expect(typeof mod[expected[subpath]!], `${specifier} exports ${expected[subpath]}`).toBe("function");
    }
    expect(existsSync(join(root, pkg.main))).toBe(true);
    expect(existsSync(join(root, pkg.types))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, "dist/lib/package.json"), "utf8"))).toEqual({ type: "module" });
  });

  it("runs the bins as CommonJS: dist/package.json says so and --version answers", () => {
    expect(JSON.parse(readFileSync(join(root, "dist/package.json"), "utf8"))).toEqual({ type: "commonjs" });
    for (const bin of new Set(Object.values(pkg.bin))) {
      const r = spawnSync(process.execPath, [join(root, bin), "--version"], { encoding: "utf8" });
      expect(r.stdout).toBe(`${pkg.version} (compatible with aws_signing_helper 1.8.0)\n`);
      expect(r.status).toBe(0);
    }
  });
});
