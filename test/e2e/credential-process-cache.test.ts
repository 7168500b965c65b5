import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, cpArgs, parseOutput, runCli, type World } from "../integration/credential-process/world.js";
import { useE2eWorld } from "../helpers/e2e-world.js";

let w: World;
let base: string;
let xdg: string;
let n = 0;
useE2eWorld("cp-cache-", (world, dir) => {
  w = world;
  base = dir;
});
beforeEach(() => {
  // A fresh, empty cache for every test.
  xdg = join(base, `xdg-${++n}`);
});

const cacheFolder = () => join(xdg, "rolesanywhere-signing-helper");
const env = () => cleanEnv(base, { XDG_CACHE_HOME: xdg });
const cached = (extra: string[] = []) => runCli(cpArgs(w, w.ec, ["--cache", ...extra]), env());

/** The one cache entry file (there is one key per test unless the test says otherwise). */
function entryFile(): string {
  const names = readdirSync(cacheFolder()).filter((f) => f.endsWith(".json"));
  expect(names).toHaveLength(1);
  return join(cacheFolder(), names[0]!);
}

/** Rewrites the entry's expiration (a valid entry otherwise). */
function setEntryExpiration(at: Date): void {
  const file = entryFile();
  const entry = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  entry.expiration = at.toISOString().replace(/\.\d{3}Z$/, "Z");
  writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
}

describe("credential-process --cache", () => {
  it("20 concurrent processes make exactly one CreateSession and all print the same credentials", async () => {
    const before = w.createSessions();
    const results = await Promise.all(Array.from({ length: 20 }, () => cached()));
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect(w.createSessions() - before).toBe(1);
    const outputs = new Set(results.map((r) => r.stdout));
    expect(outputs.size).toBe(1);
    parseOutput(results[0]!.stdout);
    // Per-user cache: directory 0700, entry 0600, no lock left behind.
    expect(statSync(xdg).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFolder()).mode & 0o777).toBe(0o700);
    expect(statSync(entryFile()).mode & 0o777).toBe(0o600);
    expect(readdirSync(cacheFolder()).filter((f) => !f.endsWith(".json"))).toEqual([]);
  });

  it("reuses the entry while more than 15 minutes remain, and fetches anew below that", async () => {
    const first = await cached();
    expect(first.code).toBe(0);
    const before = w.createSessions();

    setEntryExpiration(new Date(Date.now() + 16 * 60_000));
    const reused = await cached();
    expect(reused.code).toBe(0);
    expect(w.createSessions()).toBe(before);
    expect(reused.stdout).toBe(first.stdout.replace(/"Expiration":"[^"]+"/, `"Expiration":"${parseOutput(reused.stdout).Expiration}"`));

    setEntryExpiration(new Date(Date.now() + 14 * 60_000));
    const renewed = await cached();
    expect(renewed.code).toBe(0);
    expect(w.createSessions()).toBe(before + 1);
    const out = parseOutput(renewed.stdout);
    expect(out.AccessKeyId).not.toBe(parseOutput(first.stdout).AccessKeyId);
    expect(new Date(out.Expiration).getTime() - Date.now()).toBeGreaterThan(50 * 60_000);
    // The renewed credentials replaced the entry.
    expect(JSON.parse(readFileSync(entryFile(), "utf8"))).toMatchObject({ accessKeyId: out.AccessKeyId });
  });

  it("ignores a corrupt cache file and replaces it", async () => {
    expect((await cached()).code).toBe(0);
    const file = entryFile();
    for (const junk of ['{"version":1,"accessKeyId":', "\u0000\u0001not json at all", "[]", '{"version":1}']) {
      writeFileSync(file, junk, { mode: 0o600 });
      const before = w.createSessions();
      const r = await cached();
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = parseOutput(r.stdout);
      expect(w.createSessions()).toBe(before + 1);
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 2, key: file.slice(file.lastIndexOf("/") + 1, -".json".length), accessKeyId: out.AccessKeyId });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it("recovers a lock left by a process that died: the next run fetches and leaves no lock", async () => {
    expect((await cached()).code).toBe(0);
    const entry = entryFile();
    rmSync(entry);
    // A process that has exited: its pid names no live process (pids are not reused this fast).
    const exited = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const deadPid = Number(exited.stdout.toString());
    const lock = entry.replace(/\.json$/, ".lock");
    writeFileSync(lock, JSON.stringify({ pid: deadPid, host: hostname(), time: Date.now(), token: "abandoned" }) + "\n", { mode: 0o600 });
    const before = w.createSessions();
    const started = Date.now();
    const r = await cached();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000); // not the 30 s stale timeout: the dead owner is detected
    expect(w.createSessions()).toBe(before + 1);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(entry)).toBe(true);
  });

  it("keys entries by certificate, duration, session name and endpoint", async () => {
    expect((await cached()).code).toBe(0);
    const count = () => readdirSync(cacheFolder()).filter((f) => f.endsWith(".json")).length;
    const before = w.createSessions();
    expect((await cached(["--session-duration", "1800"])).code).toBe(0);
    expect((await cached(["--role-session-name", "other-name"])).code).toBe(0);
    expect((await runCli(cpArgs(w, w.rsa, ["--cache"]), env())).code).toBe(0);
    const viaPath = cpArgs(w, w.ec, ["--cache"]).map((a) => (a === w.emu.endpoint ? `${w.emu.endpoint}/` : a));
    expect((await runCli(viaPath, env())).code).toBe(0); // the same endpoint, spelled with a trailing slash
    expect(w.createSessions() - before).toBe(3);
    expect(count()).toBe(4);
  });

  it("a rotated certificate file gets new credentials", async () => {
    const certCopy = join(base, `rotating-cert-${n}.pem`);
    const keyCopy = join(base, `rotating-key-${n}.pem`);
    writeFileSync(certCopy, readFileSync(w.ec.cert));
    writeFileSync(keyCopy, readFileSync(w.ec.key), { mode: 0o600 });
    const args = () => cpArgs(w, { cert: certCopy, key: keyCopy }, ["--cache"]);
    expect((await runCli(args(), env())).code).toBe(0);
    const before = w.createSessions();
    expect((await runCli(args(), env())).code).toBe(0);
    expect(w.createSessions()).toBe(before);
    writeFileSync(certCopy, readFileSync(w.rsa.cert));
    writeFileSync(keyCopy, readFileSync(w.rsa.key), { mode: 0o600 });
    expect((await runCli(args(), env())).code).toBe(0);
    expect(w.createSessions()).toBe(before + 1);
  });

  it("still prints credentials, with a warning, when the cache cannot be written", async () => {
    const notADir = join(base, `plain-file-${n}`);
    writeFileSync(notADir, "");
    const before = w.createSessions();
    const r = await runCli(cpArgs(w, w.ec, ["--cache"]), cleanEnv(base, { XDG_CACHE_HOME: notADir }));
    expect(r.code).toBe(0);
    parseOutput(r.stdout);
    expect(r.stderr).toMatch(/^warning: credential cache: .*ENOTDIR/);
    expect(w.createSessions()).toBe(before + 1);
  });

  it("a missing certificate file is an error even with a warm cache for another file", async () => {
    expect((await cached()).code).toBe(0);
    const r = await runCli(cpArgs(w, { cert: join(base, "no-such-cert.pem"), key: w.ec.key }, ["--cache"]), env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^signing-helper: .*no-such-cert\.pem/);
  });

  it("--debug says whether the entry was stored or reused, and never prints the cached secrets", async () => {
    const first = await cached(["--debug"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/credential cache: stored new credentials in /);
    const second = await cached(["--debug"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^credential cache: reused credentials in .* \(key [0-9a-f]{12}…, expire \S+\)$/m);
    const out = parseOutput(second.stdout);
    expect(second.stderr + first.stderr).not.toContain(out.SecretAccessKey);
    expect(second.stderr + first.stderr).not.toContain(out.SessionToken);
    expect(existsSync(entryFile())).toBe(true);
  });
});
