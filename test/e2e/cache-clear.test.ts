/**
 * The credential cache from the user's side: --no-cache over --cache and the
 * profile's rolesanywhere_cache, `cache clear` (one configuration or all), and
 * the documented case of an emulator restarted on the same port (cached
 * credentials it no longer knows until the cache is cleared). Also
 * --no-account-id for byte-for-byte official output.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { ROLE, cleanEnv, countOperation, cpArgs, parseOutput, requireBuiltCli, runCli, startWorld, type World } from "../integration/credential-process/world.js";

const execFileAsync = promisify(execFile);
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

let w: World;
let home: string;
let cache: string;

beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld();
  home = mkdtempSync(join(tmpdir(), "cache-clear-"));
  cache = join(home, ".cache", "rolesanywhere-signing-helper");
  writeFileSync(
    join(home, "config"),
    [
      "[profile cached]",
      `rolesanywhere_certificate = ${w.ec.cert}`,
      `rolesanywhere_private_key = ${w.ec.key}`,
      `rolesanywhere_trust_anchor_arn = ${w.trustAnchorArn}`,
      `rolesanywhere_profile_arn = ${w.profileArn}`,
      `rolesanywhere_role_arn = ${ROLE}`,
      `rolesanywhere_endpoint = ${w.emu.endpoint}`,
      "rolesanywhere_cache = true",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await w?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv(home, { AWS_CONFIG_FILE: join(home, "config"), ...extra });
const sessions = () => countOperation(w.auditFile, "CreateSession");
const entries = () => (existsSync(cache) ? readdirSync(cache).filter((n) => n.endsWith(".json")) : []);

describe("credential cache controls", () => {
  it("rolesanywhere_cache = true caches; --no-cache bypasses it", async () => {
    const before = sessions();
    const a = await runCli(["credential-process", "--config-profile", "cached"], env());
    const b = await runCli(["credential-process", "--config-profile", "cached"], env());
    expect(parseOutput(b.stdout).AccessKeyId).toBe(parseOutput(a.stdout).AccessKeyId);
    expect(sessions()).toBe(before + 1);
    const c = await runCli(["credential-process", "--config-profile", "cached", "--no-cache"], env());
    expect(parseOutput(c.stdout).AccessKeyId).not.toBe(parseOutput(a.stdout).AccessKeyId);
    expect(sessions()).toBe(before + 2);
    const d = await runCli([...cpArgs(w, w.ec, ["--cache", "--no-cache"])], env());
    expect(d.code).toBe(0);
    expect(sessions()).toBe(before + 3);
  });

  it("cache clear with a configuration removes only its entry; without, every entry", async () => {
    await runCli(["credential-process", "--config-profile", "cached"], env());
    await runCli(cpArgs(w, w.rsa, ["--cache"]), env());
    expect(entries().length).toBe(2);
    const one = await runCli(["cache", "clear", "--config-profile", "cached"], env());
    expect(one.code).toBe(0);
    expect(one.stderr).toMatch(/^cache clear: removed the cached credentials of this configuration in /);
    expect(entries().length).toBe(1);
    const again = await runCli(["cache", "clear", "--config-profile", "cached"], env());
    expect(again.stderr).toMatch(/^cache clear: no cached credentials of this configuration/);
    const all = await runCli(["cache", "clear"], env());
    expect(all.stderr).toMatch(/^cache clear: removed 1 cached credential from /);
    expect(entries()).toEqual([]);
    const bad = await runCli(["cache", "purge"], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^signing-helper: cache: unknown action 'purge': the only one is 'clear'\n/);
  });

  it.skipIf(!hasAws)(`after an emulator restart on the same port, cached credentials are refused until 'cache clear'${hasAws ? "" : " [skipped: no aws CLI]"}`, async () => {
    // A second emulator of the same PKI: it will be "restarted" on its port.
    const configFor = (ta: string) => ({ accountId: "123456789012", region: "us-east-1", trustAnchors: [{ name: "cp-ta", certificates: [ta] }], profiles: [{ name: "cp-accepting", roleArns: [ROLE] }] });
    const rootPem = w.rootCertPem;
    let emu = await startEmulator({ port: 0, config: configFor(rootPem) });
    const port = emu.port;
    const profile = [
      "[profile restart]",
      `credential_process = ${process.execPath} ${join(import.meta.dirname, "../../dist/cli.js")} credential-process --cache --config-profile restart`,
      `rolesanywhere_certificate = ${w.ec.cert}`,
      `rolesanywhere_private_key = ${w.ec.key}`,
      `rolesanywhere_trust_anchor_arn = ${emu.trustAnchorArn}`,
      `rolesanywhere_profile_arn = ${emu.profileArn}`,
      `rolesanywhere_role_arn = ${ROLE}`,
      `rolesanywhere_endpoint = ${emu.endpoint}`,
      "",
    ].join("\n");
    const config = join(home, "restart-config");
    writeFileSync(config, profile);
    const aws = () =>
      execFileAsync("aws", ["sts", "get-caller-identity", "--profile", "restart", "--region", "us-east-1", "--endpoint-url", `http://127.0.0.1:${port}`, "--output", "text"], {
        env: cleanEnv(home, { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(home, "none") }),
        encoding: "utf8",
      }).then(
        () => "ok",
        (e: { stderr: string }) => e.stderr,
      );
    try {
      expect(await aws()).toBe("ok");
      await emu.close();
      emu = await startEmulator({ port, config: configFor(rootPem) });
      expect(await aws()).toMatch(/InvalidClientTokenId/);
      const r = await runCli(["cache", "clear", "--config-profile", "restart"], cleanEnv(home, { AWS_CONFIG_FILE: config }));
      expect(r.stderr).toMatch(/removed the cached credentials/);
      expect(await aws()).toBe("ok");
    } finally {
      await emu.close();
    }
  });

  it("--no-account-id prints the official helper's five fields", async () => {
    const r = await runCli(cpArgs(w, w.ec, ["--no-account-id"]), env());
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]);
  });
});

