/**
 * `env` and `exec`: credentials handed to a shell or a child process, never on
 * a command line. The AWS CLI runs as the child; a child that outlives a short
 * (emulator-capped) session still succeeds through exec's private endpoint;
 * exit codes and SIGTERM pass through; values survive every shell's quoting.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { Secret } from "../../src/secret.js";
import { credentialVariables, quoteFor, shellLines } from "../../src/outputs/shell-env.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { CLI, cleanEnv, requireBuiltCli, run, runCli } from "../integration/credential-process/world.js";

const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
const hasAws = has("aws");

let dir: string;
let emu: RunningEmulator;
/** Credentials minted by this one live 40 seconds (the refresher's minimum interval between fetches is 30 s). */
let shortEmu: RunningEmulator;
let config: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), "env-exec-"));
  const root = await createRootCa({ keyType: "ec-p256" });
  const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
  writeFileSync(join(dir, "cert.pem"), leaf.certPem);
  writeFileSync(join(dir, "key.pem"), leaf.keyPem, { mode: 0o600 });
  emu = await startEmulator({ port: 0, trustAnchorCertPem: root.certPem });
  shortEmu = await startEmulator({ port: 0, trustAnchorCertPem: root.certPem, credentialLifetimeSeconds: 40 });
  const section = (name: string, e: RunningEmulator) =>
    [
      `[profile ${name}]`,
      `rolesanywhere_certificate = ${join(dir, "cert.pem")}`,
      `rolesanywhere_private_key = ${join(dir, "key.pem")}`,
      `rolesanywhere_trust_anchor_arn = ${e.trustAnchorArn}`,
      `rolesanywhere_profile_arn = ${e.profileArn}`,
      `rolesanywhere_role_arn = ${e.roleArn}`,
      `rolesanywhere_endpoint = ${e.endpoint}`,
      "",
    ].join("\n");
  config = join(dir, "config");
  writeFileSync(config, section("ra", emu) + section("short", shortEmu));
});
afterAll(async () => {
  await emu?.close();
  await shortEmu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv(dir, { AWS_CONFIG_FILE: config, ...extra });

describe("env", () => {
  it("prints export lines that a shell evaluates into working credentials", async () => {
    const r = await runCli(["env", "--config-profile", "ra"], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA\w+'\nexport AWS_SECRET_ACCESS_KEY='.+'\nexport AWS_SESSION_TOKEN='.+'\nexport AWS_CREDENTIAL_EXPIRATION='\d{4}-.+Z'\nexport AWS_REGION='us-east-1'\n$/);
    const sh = spawnSync("sh", ["-c", `eval "$1"; printf '%s' "$AWS_ACCESS_KEY_ID"`, "sh", r.stdout], { encoding: "utf8" });
    expect(sh.stdout).toMatch(/^ASIA/);
    expect(emu.audit.some((a) => a.operation === "CreateSession" && a.accessKeyId === sh.stdout)).toBe(true);
    const kept = await runCli(["env", "--config-profile", "ra"], env({ AWS_REGION: "eu-west-1" }));
    expect(kept.stdout).not.toMatch(/AWS_REGION/);
  });

  it("writes fish and PowerShell syntax; a bad --shell is a usage error", async () => {
    const fish = await runCli(["env", "--config-profile", "ra", "--shell", "fish"], env());
    expect(fish.stdout).toMatch(/^set -gx AWS_ACCESS_KEY_ID 'ASIA\w+'$/m);
    const ps = await runCli(["env", "--config-profile", "ra", "--shell", "powershell"], env());
    expect(ps.stdout).toMatch(/^\$env:AWS_ACCESS_KEY_ID = 'ASIA\w+'$/m);
    const bad = await runCli(["env", "--config-profile", "ra", "--shell", "tcsh"], env());
    expect(bad.code).toBe(2);
  });

  const nasty = ["it's", 'a "b" $HOME `id` $(id) \\ back\\slash', "new\nline", "tab\there ; rm -rf / &&", "'", "\\'", "‘curly’"];
  it("quotes any value so that sh reads it back unchanged", () => {
    for (const v of nasty) {
      const r = spawnSync("sh", ["-c", `eval "$1"; printf '%s' "$X"`, "sh", shellLines("sh", [["X", v]])], { encoding: "utf8" });
      expect(r.stdout, v).toBe(v);
    }
  });
  it.skipIf(!has("fish"))(`quotes any value so that fish reads it back unchanged${has("fish") ? "" : " [skipped: no fish]"}`, () => {
    for (const v of nasty) {
      const r = spawnSync("fish", ["--no-config", "-c", `${shellLines("fish", [["X", v]])}; printf '%s' "$X"`], { encoding: "utf8" });
      expect(r.stdout, v).toBe(v);
    }
  });
  it("doubles single quotes (also typographic ones) for PowerShell", () => {
    expect(quoteFor("powershell", "it's ‘x’")).toBe("'it''s ‘‘x’’'");
    const vars = credentialVariables({ accessKeyId: "ASIA1", secretAccessKey: new Secret("s"), sessionToken: new Secret("t"), expirationRaw: "2030-01-01T00:00:00Z" } as never, "us-east-1");
    expect(vars.map(([n]) => n)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_REGION"]);
  });
});

describe("exec", () => {
  it.skipIf(!hasAws)(`runs aws sts get-caller-identity with the credentials in its environment${hasAws ? "" : " [skipped: no aws CLI]"}`, async () => {
    const r = await runCli(
      ["exec", "--config-profile", "ra", "--", "aws", "sts", "get-caller-identity", "--endpoint-url", emu.endpoint, "--query", "Arn", "--output", "text"],
      env({ AWS_PROFILE: "ra" }),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^arn:aws:sts::123456789012:assumed-role\/rolesanywhere-emulator\//);
  });

  it("never puts credentials on the child's command line; clears other credential settings", async () => {
    const script = "const e=process.env;console.log(JSON.stringify({argv:process.argv.slice(1),id:e.AWS_ACCESS_KEY_ID,profile:e.AWS_PROFILE??null,region:e.AWS_REGION,uri:e.AWS_CONTAINER_CREDENTIALS_FULL_URI??null}))";
    const r = await runCli(["exec", "--config-profile", "ra", "--", process.execPath, "-e", script, "x"], env({ AWS_PROFILE: "other", AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/x" }));
    expect(r.code).toBe(0);
    const seen = JSON.parse(r.stdout) as { argv: string[]; id: string; profile: string | null; region: string; uri: string | null };
    expect(seen).toMatchObject({ argv: ["x"], profile: null, region: "us-east-1", uri: null });
    expect(seen.id).toMatch(/^ASIA/);
  });

  it("passes the child's exit code through, and says so for a missing command", async () => {
    const r = await runCli(["exec", "--config-profile", "ra", "--", process.execPath, "-e", "process.exitCode = 7"], env());
    expect(r.code).toBe(7);
    const missing = await runCli(["exec", "--config-profile", "ra", "--", "no-such-command-xyz"], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^signing-helper: exec: no-such-command-xyz: command not found\n/);
    const noCommand = await runCli(["exec", "--config-profile", "ra"], env());
    expect(noCommand.code).toBe(2);
  });

  it("passes SIGTERM on to the child and exits as the child did", async () => {
    const child = spawn(process.execPath, [CLI, "exec", "--config-profile", "ra", "--", process.execPath, "-e", "process.on('SIGTERM',()=>{console.log('child got SIGTERM');process.exit(42)});console.log('ready');setInterval(()=>{},1000)"], {
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => ((out += d.toString()), out.includes("ready") && resolve())));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(out).toContain("child got SIGTERM");
    expect(code).toBe(42);
  });

  it("--refresh: a child that outlives its 40-second session still gets valid credentials from the private endpoint", async () => {
    // The child asks the private endpoint as the SDKs' container provider does, then calls STS with what it got.
    const sts = JSON.stringify(import.meta.resolve("@aws-sdk/client-sts"));
    const child = `
      import { STSClient, GetCallerIdentityCommand } from ${sts};
      const ask = async () => {
        const r = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
        const c = await r.json();
        const sts = new STSClient({ region: process.env.AWS_REGION, endpoint: ${JSON.stringify(shortEmu.endpoint)},
          credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token } });
        const id = await sts.send(new GetCallerIdentityCommand({}));
        return { key: c.AccessKeyId, expiration: c.Expiration, arn: id.Arn, secretInEnv: Boolean(process.env.AWS_SECRET_ACCESS_KEY) };
      };
      const first = await ask();
      await new Promise((r) => setTimeout(r, 45_000));
      const second = await ask();
      console.log(JSON.stringify({ first, second }));
    `;
    const r = await run(process.execPath, [CLI, "exec", "--config-profile", "short", "--refresh", "--", process.execPath, "--input-type=module", "-e", child], env(), 90_000);
    expect(r.code, r.stderr).toBe(0);
    const { first, second } = JSON.parse(r.stdout) as Record<"first" | "second", { key: string; expiration: string; arn: string; secretInEnv: boolean }>;
    expect(first.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/rolesanywhere-emulator\//);
    expect(second.arn).toBe(first.arn);
    expect(second.key).not.toBe(first.key);
    // The first credentials were dead by the second call: only a refresh could answer it.
    expect(Date.parse(first.expiration)).toBeLessThan(Date.now() - 1000);
    expect(first.secretInEnv).toBe(false);
  }, 120_000);
});
