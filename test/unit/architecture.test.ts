import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The layering of src/ (identity → signer → session → credentials → outputs/provider → cli),
// checked on the import statements themselves so a shortcut cannot creep in unnoticed.
const SRC = join(import.meta.dirname, "..", "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    out.push({ file: relative(SRC, file), spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

/** The top-level folder of src/ an import lands in, or the root file name. */
function target(imp: Import): string | undefined {
  if (!imp.spec.startsWith(".")) return undefined;
  const abs = join(SRC, imp.file, "..", imp.spec);
  const rel = relative(SRC, abs);
  return rel.split("/")[0];
}

const all = files(SRC).flatMap(imports);
const from = (folder: string) => all.filter((i) => i.file.startsWith(folder + "/"));

// A folder may import (at run time) only folders listed here, plus root files.
const allowed: Record<string, string[]> = {
  identity: ["identity"],
  signer: ["signer", "identity"],
  session: ["session", "signer", "identity"],
  credentials: ["credentials"],
  pki: ["pki"],
  emulator: ["emulator"],
  // The GitHub Action is a front end like cli/: inputs → the provider → the runner's files.
  action: ["action", "provider", "session"],
};

describe("architecture", () => {
  for (const [folder, ok] of Object.entries(allowed)) {
    it(`src/${folder} imports only ${ok.join(", ")} and the shared root files at run time`, () => {
      const bad = from(folder)
        .filter((i) => !i.typeOnly)
        .map((i) => ({ ...i, to: target(i) }))
        .filter((i) => i.to !== undefined && !i.to.endsWith(".js") && !ok.includes(i.to));
      expect(bad.map((b) => `${b.file} -> ${b.spec}`)).toEqual([]);
    });
  }

  it("the emulator never imports the client's canonicalization (src/signer)", () => {
    const bad = from("emulator").filter((i) => target(i) === "signer");
    expect(bad.map((b) => `${b.file} -> ${b.spec}`)).toEqual([]);
  });

  it("the signer's canonicalization is pure: no fs, net, http or clock in those modules", () => {
    const pure = ["canonical-request.ts", "string-to-sign.ts", "authorization.ts", "amz-date.ts"];
    for (const f of pure) {
      const text = readFileSync(join(SRC, "signer", f), "utf8");
      expect(text, f).not.toMatch(/from "node:(fs|net|http|https)|from "undici"|Date\.now\(|new Date\(\)/);
    }
  });

  it("only the CLI entry sets the exit code; nothing calls process.exit", () => {
    const offenders = files(SRC).filter((f) => /process\.exit\(/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });
});
