/**
 * The committed Action bundle (action/dist/index.mjs, what action.yml runs) is
 * exactly what the sources build: a change to src/ that reaches the Action
 * fails here until `npm run build:action` is run and its output committed.
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

  it("has a committed bundle that is up to date with the sources", () => {
    const r = spawnSync(process.execPath, [join(root, "scripts", "build-action.mjs"), "--check"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
