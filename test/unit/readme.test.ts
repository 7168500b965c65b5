import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const ci = readFileSync(join(root, ".ci", "run"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** Shell commands in ```sh blocks of the README's "Try it" section. */
function tryItCommands(): string[] {
  const start = readme.indexOf("## Try it");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
}

describe("README set-up commands", () => {
  it("are exactly `npm ci && npm run demo` and `npm ci && npm test`", () => {
    expect(tryItCommands()).toEqual(["npm ci && npm run demo", "npm ci && npm test"]);
  });

  it("are the commands .ci/run runs, verbatim, each on its own line", () => {
    const ciLines = ci.split("\n").map((l) => l.trim());
    for (const cmd of tryItCommands()) expect(ciLines).toContain(cmd);
  });

  it("name scripts that exist in package.json", () => {
    expect(pkg.scripts.test).toBeTruthy();
    expect(pkg.scripts.demo).toBeTruthy();
    expect(pkg.scripts.prepare).toMatch(/build/);
  });
});

describe("README install story", () => {
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  /** Code blocks of the README (the commands and configuration a user copies). */
  const code = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n");

  it("runs npx only with this package named and its version pinned, never a bare `npx signing-helper`", () => {
    const npx = [...code.matchAll(/\bnpx\b[^\n]*/g)].map((m) => m[0]);
    for (const line of npx) {
      const flat = line.replace(/["',\[\]]/g, " ").replace(/\s+/g, " ");
      expect(flat, line).toMatch(new RegExp(`^npx --yes -p rolesanywhere-signing-helper@${version.replace(/\./g, "\\.")} (signing-helper|aws_signing_helper) `));
    }
  });

  it("gives every credential_process an absolute path or a pinned npx", () => {
    const lines = [...code.matchAll(/credential_process = (\S+)/g)].map((m) => m[1]!);
    expect(lines.length).toBeGreaterThan(0);
    for (const cmd of lines) expect(cmd === "npx" || cmd.startsWith("/") || cmd === "%s", cmd).toBe(true);
  });

  it("names the tarball of the current version", () => {
    for (const m of readme.matchAll(/rolesanywhere-signing-helper-(\d+\.\d+\.\d+)\.tgz/g)) expect(m[1]).toBe(version);
  });
});

describe("README on the code cache", () => {
  it("says what its checksum protects against: corruption, not a program running as the same user", () => {
    const start = readme.indexOf("module compile cache");
    const para = readme.slice(start, readme.indexOf("\n\n", start));
    expect(para).toMatch(/checksum is against corruption, not against a program running as you/);
    expect(para).toMatch(/shell's start-up files/);
  });
});
