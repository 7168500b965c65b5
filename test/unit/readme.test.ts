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
