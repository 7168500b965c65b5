/**
 * The set-up every e2e file on the built CLI repeats: dist/cli.js must exist,
 * one emulator world (test/integration/credential-process/world.ts) and one
 * temporary directory for the file, both gone after it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { requireBuiltCli, startWorld, type World } from "../integration/credential-process/world.js";

/**
 * Registers the file's beforeAll/afterAll; `ready` receives the world and the
 * directory (named from `prefix`) before any test or later hook runs.
 */
export function useE2eWorld(prefix: string, ready: (world: World, dir: string) => void): void {
  let world: World | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    requireBuiltCli();
    world = await startWorld();
    dir = mkdtempSync(join(tmpdir(), prefix));
    ready(world, dir);
  });
  afterAll(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
