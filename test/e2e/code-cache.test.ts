/**
 * The code cache of the built CLI (src/cli/code-cache.ts) on a real
 * `credential-process` against the emulator: Node.js's module compile cache
 * (module.enableCompileCache, Node.js 22.1+) in a directory of the user's that
 * nobody else may write. Written by the first run and then used as is; a
 * damaged entry is rewritten (Node's own checks); a directory others may write
 * is left alone; the opt-out works. On Node.js 20 the CLI has no code cache:
 * the test there is that it writes none.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { CLI, cleanEnv, cpArgs, parseOutput, run, type World } from "../integration/credential-process/world.js";
import { useE2eWorld } from "../helpers/e2e-world.js";

const builtIn = typeof (process.getBuiltinModule("node:module") as { enableCompileCache?: unknown }).enableCompileCache === "function";
const noApi = builtIn ? "" : ` [skipped: Node.js ${process.version} has no module.enableCompileCache, so the CLI runs without a code cache]`;

let w: World;
let base: string;
let xdg: string;
let n = 0;
useE2eWorld("code-cache-", (world, dir) => {
  w = world;
  base = dir;
});
beforeEach(() => {
  xdg = join(base, `xdg-${++n}`);
});

const cacheDir = () => join(xdg, "rolesanywhere-signing-helper-code");

/** Every file under the cache directory (Node.js keeps a subdirectory per version, V8 flags and user), with its modification time. */
function entries(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(p, st.mtimeMs);
    }
  };
  if (existsSync(cacheDir())) walk(cacheDir());
  return out;
}

/** One uncached credential-process run (the path that turns the cache on); it must succeed. */
async function credentialProcess(extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await run(process.execPath, [CLI, ...cpArgs(w, w.ec)], cleanEnv(base, { XDG_CACHE_HOME: xdg, ...extraEnv }));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  parseOutput(r.stdout);
}

describe("code cache of the CLI", () => {
  it.runIf(!builtIn)(`on Node.js 20 (no module.enableCompileCache) writes no code cache at all`, async () => {
    await credentialProcess();
    expect(existsSync(cacheDir())).toBe(false);
  });

  it.skipIf(!builtIn)(`is written by the first run in a 0700 directory, then used as is${noApi}`, async () => {
    await credentialProcess();
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const first = entries();
    expect(first.size).toBeGreaterThan(0);
    await credentialProcess();
    await credentialProcess();
    // Accepted: nothing rewritten, nothing added.
    expect(entries()).toEqual(first);
  });

  it.skipIf(!builtIn)(`never uses a damaged entry: Node.js checks it and writes it again${noApi}`, async () => {
    await credentialProcess();
    const [file] = [...entries().keys()].sort((a, b) => statSync(b).size - statSync(a).size);
    const good = readFileSync(file!);
    const damaged = Buffer.from(good);
    for (let i = good.length >> 1; i < damaged.length; i += 997) damaged[i] = damaged[i]! ^ 0xff;
    for (const bytes of [damaged, good.subarray(0, good.length >> 1), Buffer.alloc(0)]) {
      writeFileSync(file!, bytes);
      await credentialProcess();
      const now = readFileSync(file!);
      expect(now.length).toBeGreaterThan(0);
      expect(now.equals(bytes)).toBe(false);
      // And the new entry is whole: the next run leaves it as it is.
      const mtime = statSync(file!).mtimeMs;
      await credentialProcess();
      expect(statSync(file!).mtimeMs).toBe(mtime);
    }
  });

  it.skipIf(!builtIn)(`does not hand Node.js a directory that others may write${noApi}`, async () => {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    chmodSync(cacheDir(), 0o777);
    await credentialProcess();
    expect(readdirSync(cacheDir())).toEqual([]);
  });

  it.skipIf(!builtIn)(`is off with SIGNING_HELPER_NO_CODE_CACHE=1${noApi}`, async () => {
    await credentialProcess({ SIGNING_HELPER_NO_CODE_CACHE: "1" });
    expect(existsSync(cacheDir())).toBe(false);
  });

  it.skipIf(!builtIn)(`writes nothing relative to the working directory when HOME is relative${noApi}`, async () => {
    const cwd = join(base, `cwd-${n}`);
    mkdirSync(cwd, { recursive: true });
    const r = await run(process.execPath, [CLI, ...cpArgs(w, w.ec)], { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "." }, 60_000, cwd);
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.skipIf(!builtIn)(`costs nothing but speed when it cannot be written (XDG_CACHE_HOME is a file)${noApi}`, async () => {
    mkdirSync(base, { recursive: true });
    writeFileSync(xdg, "");
    await credentialProcess();
  });

  it.skipIf(!builtIn)(`survives eight concurrent first runs, and the next run uses what they left${noApi}`, async () => {
    await Promise.all(Array.from({ length: 8 }, () => credentialProcess()));
    const left = entries();
    expect(left.size).toBeGreaterThan(0);
    await credentialProcess();
    expect(entries()).toEqual(left);
  });
});
