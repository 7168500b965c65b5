/**
 * Named profiles (`--config-profile`): the settings in `[profile ra]` of the AWS
 * config file, used by a short `credential_process` line that the AWS CLI,
 * boto3 and the SDK v3 run for real (and whose rolesanywhere_* keys they must
 * ignore); precedence flag > environment > profile > default; bad profiles.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ROLE, cleanEnv, countOperation, parseOutput, requireBuiltCli, runCli, startWorld, type World } from "../integration/credential-process/world.js";

const execFileAsync = promisify(execFile);
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;

let w: World;
let home: string;
let config: string;

/** A profile with every setting credential-process needs, for the world's EC client. */
function profileText(name: string, extra: Record<string, string> = {}, credentialProcess = true): string {
  const keys: Record<string, string> = {
    rolesanywhere_certificate: w.ec.cert,
    rolesanywhere_private_key: w.ec.key,
    rolesanywhere_trust_anchor_arn: w.trustAnchorArn,
    rolesanywhere_profile_arn: w.profileArn,
    rolesanywhere_role_arn: ROLE,
    rolesanywhere_endpoint: w.emu.endpoint,
    ...extra,
  };
  const lines = [`[profile ${name}]`, "region = us-east-1"];
  if (credentialProcess) lines.push(`credential_process = ${process.execPath} ${CLI} credential-process --config-profile ${name}`);
  for (const [k, v] of Object.entries(keys)) lines.push(`${k} = ${v}`);
  return lines.join("\n") + "\n";
}

beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld();
  home = mkdtempSync(join(tmpdir(), "config-profile-"));
  config = join(home, "config");
  writeFileSync(
    config,
    "# hand-written\n[default]\nregion = us-west-2\n\n" +
      profileText("ra") +
      profileText("bad-endpoint", { rolesanywhere_endpoint: "http://127.0.0.1:9" }, false) +
      profileText("short", { rolesanywhere_session_duration: "900" }, false) +
      profileText("typo", { rolesanywhere_certficate: "x", rolesanywhere_session_duration: "soon" }, false) +
      profileText("literal-password", { rolesanywhere_pkcs8_password: "hunter2" }, false) +
      profileText("wrong-region", { rolesanywhere_region: "us-west-2" }, false),
  );
});
afterAll(async () => {
  await w?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv(home, { AWS_CONFIG_FILE: config, ...extra });
const expirySeconds = (stdout: string) => (Date.parse(parseOutput(stdout).Expiration) - Date.now()) / 1000;

describe("credential-process --config-profile", () => {
  it("takes every setting from the profile", async () => {
    const r = await runCli(["credential-process", "--config-profile", "ra"], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseOutput(r.stdout).AccountId).toBe("123456789012");
  });

  it.skipIf(!hasAws)(`serves the AWS CLI through a short credential_process line${hasAws ? "" : " [skipped: no aws CLI]"}`, async () => {
    const { stdout, stderr } = await execFileAsync(
      "aws",
      ["sts", "get-caller-identity", "--profile", "ra", "--endpoint-url", w.emu.endpoint, "--query", "Arn", "--output", "text"],
      { env: env(), encoding: "utf8", timeout: 60_000 },
    );
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("arn:aws:sts::123456789012:assumed-role/cp-test/" + stdout.trim().split("/").at(-1));
  });

  it.skipIf(!hasBoto3)(`serves boto3, which ignores the rolesanywhere_* keys${hasBoto3 ? "" : " [skipped: no boto3]"}`, async () => {
    const script = [
      "import boto3, sys",
      "s = boto3.Session(profile_name='ra')",
      "print(s.client('sts', endpoint_url=sys.argv[1]).get_caller_identity()['Arn'])",
    ].join("\n");
    const { stdout } = await execFileAsync("python3", ["-c", script, w.emu.endpoint], { env: env(), encoding: "utf8", timeout: 60_000 });
    expect(stdout.trim()).toMatch(/^arn:aws:sts::123456789012:assumed-role\/cp-test\//);
  });

  it("serves the SDK v3 (fromIni runs the credential_process line)", async () => {
    // The SDK runs the line with this process's environment: the child must find the same config file.
    const saved = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = config;
    try {
      const sts = new STSClient({ region: "us-east-1", endpoint: w.emu.endpoint, credentials: fromIni({ profile: "ra", configFilepath: config, filepath: join(home, "none") }) });
      const out = await sts.send(new GetCallerIdentityCommand({}));
      expect(out.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/cp-test\//);
    } finally {
      if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = saved;
    }
  });
});

describe("precedence: flag > environment > profile > default", () => {
  it("endpoint: the environment beats the profile, the flag beats the environment", async () => {
    const before = countOperation(w.auditFile, "CreateSession");
    const viaEnv = await runCli(["credential-process", "--config-profile", "bad-endpoint"], env({ AWS_ENDPOINT_URL_ROLESANYWHERE: w.emu.endpoint }));
    expect(viaEnv.stderr).toBe("");
    expect(viaEnv.code).toBe(0);
    const viaFlag = await runCli(["credential-process", "--config-profile", "ra", "--endpoint", w.emu.endpoint], env({ AWS_ENDPOINT_URL_ROLESANYWHERE: "http://127.0.0.1:9" }));
    expect(viaFlag.code).toBe(0);
    expect(countOperation(w.auditFile, "CreateSession")).toBe(before + 2);
    const profileOnly = await runCli(["credential-process", "--config-profile", "bad-endpoint"], env());
    expect(profileOnly.code).toBe(1);
    expect(profileOnly.stderr).toMatch(/127\.0\.0\.1:9/);
  });

  it("region: the flag beats the profile (no environment variable sets the signing region)", async () => {
    const fromProfile = await runCli(["credential-process", "--config-profile", "wrong-region"], env({ AWS_REGION: "us-east-1" }));
    expect(fromProfile.code).toBe(1);
    const flag = await runCli(["credential-process", "--config-profile", "wrong-region", "--region", "us-east-1"], env());
    expect(flag.stderr).toBe("");
    expect(flag.code).toBe(0);
  });

  it("duration: the profile beats the default, the flag beats the profile", async () => {
    const profile = await runCli(["credential-process", "--config-profile", "short"], env());
    expect(profile.code).toBe(0);
    expect(expirySeconds(profile.stdout)).toBeLessThanOrEqual(900);
    const flag = await runCli(["credential-process", "--config-profile", "short", "--session-duration", "1800"], env());
    expect(expirySeconds(flag.stdout)).toBeGreaterThan(900);
    const dflt = await runCli(["credential-process", "--config-profile", "ra"], env());
    expect(expirySeconds(dflt.stdout)).toBeGreaterThan(1800);
  });
});

describe("bad profiles", () => {
  it("a missing profile or config file is one error naming it", async () => {
    const missing = await runCli(["credential-process", "--config-profile", "nope"], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^signing-helper: profile 'nope' is not in .*config\nhint: its profiles: ra, bad-endpoint, short, typo, literal-password, wrong-region\n$/);
    const noFile = await runCli(["credential-process", "--config-profile", "ra"], cleanEnv(home, { AWS_CONFIG_FILE: join(home, "absent") }));
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/^signing-helper: AWS config file .*absent: not found\nhint: /);
  });

  it("an unknown key is a warning with the key meant; a bad value is an error naming the key", async () => {
    const r = await runCli(["credential-process", "--config-profile", "typo"], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^warning: rolesanywhere_certficate in profile 'typo' .* is not a setting of this tool: did you mean rolesanywhere_certificate\?\n/);
    expect(r.stderr).toMatch(/signing-helper: rolesanywhere_session_duration in profile 'typo': must be a whole number, not 'soon'\n$/);
  });

  it("refuses a password written into the profile, without showing it", async () => {
    const r = await runCli(["credential-process", "--config-profile", "literal-password"], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rolesanywhere_pkcs8_password in profile 'literal-password': give env:NAME, not the password itself/);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("a required setting missing from both names the flag and the profile key", async () => {
    writeFileSync(join(home, "partial"), "[profile p]\nrolesanywhere_certificate = /x\n");
    const r = await runCli(["credential-process", "--config-profile", "p"], cleanEnv(home, { AWS_CONFIG_FILE: join(home, "partial") }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^signing-helper: missing required flags: --trust-anchor-arn, --profile-arn, --role-arn\nhint: give them on the command line, or set rolesanywhere_trust_anchor_arn, rolesanywhere_profile_arn, rolesanywhere_role_arn in \[profile p\] of .*partial\n$/);
  });
});
