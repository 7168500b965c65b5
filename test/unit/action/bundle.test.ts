/**
 * The committed Action bundle (action/dist/index.mjs, what action.yml runs)
 * holds the Action's own modules (src/action/) exactly as the sources build
 * them: a change there fails here until `npm run build:action` is run and its
 * output committed. The library modules it bundles may lag behind src/ between
 * rebuilds (every team member changes those; `--check` is the strict check
 * before a release); test/e2e/github-action.test.ts runs the committed bundle.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = join(import.meta.dirname, "../../..");

describe("the GitHub Action", () => {
  it("runs on node24 from the committed bundle", () => {
    const action = parse(readFileSync(join(root, "action.yml"), "utf8")) as { runs: { using: string; main: string } };
    expect(action.runs).toEqual({ using: "node24", main: "action/dist/index.mjs" });
  });

  it("has a committed bundle whose Action modules are up to date with the sources", () => {
    const r = spawnSync(process.execPath, [join(root, "scripts", "build-action.mjs"), "--check-action"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
