/**
 * The V8 code cache of the built CLI (src/cli/code-cache.ts) on a real
 * `credential-process` against the emulator: written once, then used; a
 * damaged, foreign or stale file never runs and is replaced; a directory others
 * may write is left alone; the opt-out works; concurrent first runs agree.
 * On Node.js 22+ the CLI hands the same directory to module.enableCompileCache
 * (Node's own, checksummed format): only that is checked there.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI, cleanEnv, cpArgs, parseOutput, requireBuiltCli, run, startWorld, type World } from "../integration/credential-process/world.js";

const builtIn = typeof (process.getBuiltinModule("node:module") as { enableCompileCache?: unknown }).enableCompileCache === "function";
const ownFormat = builtIn ? " [skipped: this Node.js has module.enableCompileCache, used instead of the CLI's own format]" : "";

let w: World;
let base: string;
let xdg: string;
let n = 0;
beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld();
  base = mkdtempSync(join(tmpdir(), "code-cache-"));
});
afterAll(async () => {
  await w?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  xdg = join(base, `xdg-${++n}`);
});

const cacheRoot = () => join(xdg, "rolesanywhere-signing-helper-code");
const cacheDir = () => join(cacheRoot(), `${process.version}-${process.arch}`);
const cacheFiles = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()).filter((f) => f.endsWith(".bin")) : []);

/** One uncached credential-process run (the path that loads the cached chunk); it must succeed. */
async function credentialProcess(extraEnv: NodeJS.ProcessEnv = {}, cli = CLI): Promise<void> {
  const r = await run(process.execPath, [cli, ...cpArgs(w, w.ec)], cleanEnv(base, { XDG_CACHE_HOME: xdg, ...extraEnv }));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  parseOutput(r.stdout);
}

/** Whether a cache file is whole: its magic, then the SHA-1 of its data as the header says. */
function isWhole(bytes: Buffer): boolean {
  if (bytes.length <= 46 || bytes.subarray(0, 6).toString() !== "SHCC1\n") return false;
  return bytes.subarray(26, 46).toString() === createHash("sha1").update(bytes.subarray(46)).digest("hex").slice(0, 20);
}

/** The only cache file, read. */
function theFile(): { path: string; bytes: Buffer } {
  const files = cacheFiles();
  expect(files).toHaveLength(1);
  const path = join(cacheDir(), files[0]!);
  return { path, bytes: readFileSync(path) };
}

describe("V8 code cache of the CLI", () => {
  it.skipIf(builtIn)(`is written once by the first run (0700 directory, 0600 file) and then used as is${ownFormat}`, async () => {
    await credentialProcess();
    const first = theFile();
    expect(isWhole(first.bytes)).toBe(true);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const mtime = statSync(first.path).mtimeMs;
    await credentialProcess();
    await credentialProcess();
    // Accepted: never rewritten.
    expect(statSync(theFile().path).mtimeMs).toBe(mtime);
    expect(readdirSync(cacheDir()).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it.skipIf(builtIn)(`never feeds V8 a damaged file: flipped, truncated or foreign bytes are replaced${ownFormat}`, async () => {
    await credentialProcess();
    const good = theFile();
    const damages: Array<[string, (b: Buffer) => Buffer]> = [
      ["flipped data bytes", (b) => {
        const c = Buffer.from(b);
        for (let i = 100; i < c.length; i += 997) c[i] = c[i]! ^ 0xff;
        return c;
      }],
      ["truncated", (b) => b.subarray(0, b.length >> 1)],
      ["header only", (b) => b.subarray(0, 46)],
      ["empty", () => Buffer.alloc(0)],
      ["random bytes after a valid magic", (b) => Buffer.concat([b.subarray(0, 6), Buffer.alloc(b.length - 6, 0x5a)])],
    ];
    for (const [what, damage] of damages) {
      writeFileSync(good.path, damage(good.bytes));
      await credentialProcess();
      // Replaced by a whole file again, for the same source.
      const now = theFile().bytes;
      expect(isWhole(now), what).toBe(true);
      expect(now.subarray(6, 26).equals(good.bytes.subarray(6, 26)), what).toBe(true);
    }
  });

  it.skipIf(builtIn)(`does not run a file made from other source: a chunk changed at the same size gets a file of its own${ownFormat}`, async () => {
    // A private copy of the built CLI whose cached chunk is then edited without changing its length.
    const dist = join(base, `dist-copy-${n}`);
    cpSync(dirname(CLI), dist, { recursive: true });
    const cli = join(dist, "cli.js");
    await credentialProcess({}, cli);
    const [oldName] = cacheFiles();
    const oldBytes = readFileSync(join(cacheDir(), oldName!));
    const chunk = readdirSync(join(dist, "cli-chunks"))
      .map((f) => join(dist, "cli-chunks", f))
      .find((f) => readFileSync(f, "utf8").includes("socket hang up"))!;
    writeFileSync(chunk, readFileSync(chunk, "utf8").replace("socket hang up", "socket hang UP"));
    await credentialProcess({}, cli);
    const newName = cacheFiles().find((f) => f !== oldName);
    expect(newName).toBeDefined();
    const newBytes = readFileSync(join(cacheDir(), newName!));
    expect(isWhole(newBytes)).toBe(true);
    // The header names the source it was made from.
    expect(newBytes.subarray(6, 26).equals(oldBytes.subarray(6, 26))).toBe(false);
    // A whole file made from the old source, under the new name: refused and replaced.
    writeFileSync(join(cacheDir(), newName!), oldBytes);
    await credentialProcess({}, cli);
    expect(readFileSync(join(cacheDir(), newName!)).subarray(6, 26).equals(newBytes.subarray(6, 26))).toBe(true);
  });

  it.skipIf(builtIn)(`keeps the six newest files when it writes one (old builds go)${ownFormat}`, async () => {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    const old = Array.from({ length: 8 }, (_, i) => join(cacheDir(), `chunk-OLD${i}-0000000000000000-00000000.bin`));
    old.forEach((f, i) => {
      writeFileSync(f, "stale", { mode: 0o600 });
      const t = new Date(Date.now() - (i + 1) * 3_600_000);
      utimesSync(f, t, t);
    });
    await credentialProcess();
    const left = cacheFiles();
    expect(left).toHaveLength(6);
    // The new file and the five most recent old ones.
    expect(left.filter((f) => !f.startsWith("chunk-OLD"))).toHaveLength(1);
    expect(left.filter((f) => f.startsWith("chunk-OLD")).sort()).toEqual(old.slice(0, 5).map((f) => f.split("/").pop()).sort());
  });

  it.skipIf(builtIn)(`leaves alone a directory that others may write${ownFormat}`, async () => {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    chmodSync(cacheDir(), 0o777);
    await credentialProcess();
    expect(cacheFiles()).toEqual([]);
  });

  it.skipIf(builtIn)(`does not use a file others may write, and replaces it with one of its own${ownFormat}`, async () => {
    await credentialProcess();
    const { path } = theFile();
    chmodSync(path, 0o666);
    const mtime = statSync(path).mtimeMs;
    await credentialProcess();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).mtimeMs).not.toBe(mtime);
    expect(isWhole(readFileSync(path))).toBe(true);
  });

  it("writes nothing relative to the working directory when HOME is relative", async () => {
    const cwd = join(base, `cwd-${n}`);
    mkdirSync(cwd, { recursive: true });
    const r = await run(process.execPath, [CLI, ...cpArgs(w, w.ec)], { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "." }, 60_000, cwd);
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.runIf(builtIn)("on Node.js 22+ does not hand module.enableCompileCache a directory others may write", async () => {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    chmodSync(cacheDir(), 0o777);
    await credentialProcess();
    expect(readdirSync(cacheDir())).toEqual([]);
  });

  it(`is off with SIGNING_HELPER_NO_CODE_CACHE=1`, async () => {
    await credentialProcess({ SIGNING_HELPER_NO_CODE_CACHE: "1" });
    expect(existsSync(cacheRoot())).toBe(false);
  });

  it("costs nothing but speed when it cannot be written (XDG_CACHE_HOME is a file)", async () => {
    mkdirSync(base, { recursive: true });
    writeFileSync(xdg, "");
    await credentialProcess();
  });

  it.skipIf(builtIn)(`survives eight concurrent first runs: one whole file, no leftovers${ownFormat}`, async () => {
    await Promise.all(Array.from({ length: 8 }, () => credentialProcess()));
    const file = theFile();
    expect(isWhole(file.bytes)).toBe(true);
    expect(readdirSync(cacheDir()).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    // And it is used: the next run leaves it as it is.
    const mtime = statSync(file.path).mtimeMs;
    await credentialProcess();
    expect(statSync(file.path).mtimeMs).toBe(mtime);
  });

  it.runIf(builtIn)("on Node.js 22+ hands the directory to module.enableCompileCache", async () => {
    await credentialProcess();
    expect(readdirSync(cacheDir()).length).toBeGreaterThan(0);
  });
});
