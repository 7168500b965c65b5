import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The layering of src/ by data flow, checked on the import statements themselves
// (type-only imports included: a type that points upward is a shortcut too):
//
//   identity → signer → session / sources → credentials → outputs, provider, doctor → cli
//
// with emulator and pki apart. `sources` (base credential sources beside the
// X.509 one, and AssumeRole hops) is a peer of session. `doctor` diagnoses a
// configuration with the same pieces the credential commands use (identity,
// session, the credential fetcher), so it sits beside outputs and provider: it
// may import everything below it and is imported only by the CLI.
const SRC = join(import.meta.dirname, "..", "..", "src");

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

interface Import {
  file: string;
  spec: string;
}

function imports(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s+[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;
  for (const m of text.matchAll(re)) out.push({ file: relative(SRC, file), spec: m[1] ?? m[2]! });
  return out;
}

/** The top-level folder of src/ an import lands in, or the root file name (e.g. "errors.ts"). */
function target(imp: Import): string | undefined {
  if (!imp.spec.startsWith(".")) return undefined;
  const abs = join(SRC, imp.file, "..", imp.spec);
  const first = relative(SRC, abs).split("/")[0]!;
  return first.replace(/\.js$/, ".ts");
}

const all = files(SRC).flatMap(imports);
const from = (folder: string) => all.filter((i) => i.file.startsWith(folder + "/"));

const below = {
  identity: ["identity"],
  signer: ["signer", "identity"],
  session: ["session", "signer", "identity"],
  sources: ["sources", "session", "signer", "identity"],
} as const;
const credentials = ["credentials", ...new Set([...below.session, ...below.sources])];

/** A folder may import only the folders listed here, plus the shared root files. */
const allowed: Record<string, readonly string[]> = {
  ...below,
  credentials,
  outputs: ["outputs", ...credentials],
  provider: ["provider", ...credentials],
  doctor: ["doctor", ...credentials],
  cli: ["cli", "outputs", "provider", "doctor", ...credentials, "emulator", "pki", "verifier"],
  // The PKI makes certificates; it writes PEM and decimal serials with the client's one
  // implementation of each (identity/pem.ts, identity/serial.ts).
  pki: ["pki", "identity"],
  // The emulator is the server side: its own PEM, base64 and SigV4 code on purpose, so a bug
  // in the client's cannot hide behind the same bug in the server (see the signer test below).
  emulator: ["emulator"],
  // The server side of identity tokens: apart from the client it verifies tokens of.
  verifier: ["verifier"],
  // The GitHub Action is a front end like cli/: inputs → the provider → the runner's files.
  action: ["action", "provider", "session", "sources"],
  // The fleet simulation drives the real refresher, cache rules and retry policy against the
  // emulator's quota model (its token bucket), all in virtual time.
  fleet: ["fleet", ...credentials, "emulator"],
};

/** Root files every folder may import. index.ts and cli.ts are entry points: nothing imports them. */
const SHARED_ROOT = ["errors.ts", "secret.ts", "clock.ts", "identity-token-wire.ts"];
// identity-token-wire.ts: the wire constants the identity-token maker (outputs) and the verifier share.

describe("architecture", () => {
  it("every folder of src/ has a place in the layering", () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !(f in allowed))).toEqual([]);
  });

  for (const [folder, ok] of Object.entries(allowed)) {
    it(`src/${folder} imports only ${ok.join(", ")} and the shared root files`, () => {
      const bad = from(folder)
        .map((i) => ({ ...i, to: target(i) }))
        .filter((i) => i.to !== undefined && !SHARED_ROOT.includes(i.to) && !ok.includes(i.to));
      expect(bad.map((b) => `${b.file} -> ${b.spec}`)).toEqual([]);
    });
  }

  it("the check sees type-only imports too (it would catch an upward `import type`)", () => {
    const typeOnly = all.filter((i) => i.file === "credentials/types.ts");
    expect(typeOnly.map((i) => target(i))).toContain("session");
  });

  it("the emulator never imports the client's canonicalization (src/signer)", () => {
    const bad = from("emulator").filter((i) => target(i) === "signer");
    expect(bad.map((b) => `${b.file} -> ${b.spec}`)).toEqual([]);
  });

  it("the verifier imports none of the credential client, not even its types", () => {
    const client = ["identity", "signer", "session", "credentials", "outputs", "provider", "cli", "emulator", "pki", "doctor"];
    const bad = from("verifier").filter((i) => client.includes(target(i) ?? ""));
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
