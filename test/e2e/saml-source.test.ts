import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createRootCa } from "../../src/pki/index.js";

// The SAML source as users run it: the AWS CLI through credential_process signing in at the
// emulated IdP, saml-roles and saml-assertion, and the password in no output and no argv.

const CLI = join(import.meta.dirname, "..", "..", "dist", "cli.js");
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";
const PASSWORD = "e2e-Src-Saml-pw9";
let emu: RunningEmulator;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does)");
  emu = await startEmulator({ trustAnchorCertPem: (await createRootCa()).certPem, samlUser: { name: "erin", password: PASSWORD } });
  dir = mkdtempSync(join(tmpdir(), "saml-src-e2e-"));
  writeFileSync(join(dir, "credentials"), "");
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) e[k] = v;
  return { ...e, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_EC2_METADATA_DISABLED: "true", IDP_PW: PASSWORD, ...extra };
}

function run(cmd: string, args: string[], e: NodeJS.ProcessEnv = env()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: e, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

const idpFlags = () => ["--saml-idp-url", emu.samlIdpUrl!, "--saml-username", "erin", "--saml-password", "env:IDP_PW"];

describe("SAML source in the CLI", () => {
  it.skipIf(!hasAws)("the AWS CLI through credential_process (with --cache) gets the assumed-role ARN of the assertion's RoleSessionName" + awsNote, async () => {
    const cp = [process.execPath, CLI, "credential-process", ...idpFlags(), "--sts-endpoint", emu.endpoint, "--cache"].map((a) => `"${a}"`).join(" ");
    writeFileSync(join(dir, "config"), `[profile saml]\ncredential_process = ${cp}\nregion = us-east-1\n`);
    const r = await run("aws", ["sts", "get-caller-identity", "--profile", "saml", "--endpoint-url", emu.endpoint, "--output", "json"], env({ AWS_CONFIG_FILE: join(dir, "config") }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/erin`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 60_000);

  it.skipIf(!hasAws)("serve with the IdP source: the AWS CLI through its IMDS route gets the same role session" + awsNote, async () => {
    const child = spawn(process.execPath, [CLI, "serve", ...idpFlags(), "--sts-endpoint", emu.endpoint, "--port", "0"], { env: env() });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
        });
        child.on("exit", () => reject(new Error(`serve exited: ${err}`)));
      });
      const e = env({ AWS_CONFIG_FILE: join(dir, "empty-config"), AWS_EC2_METADATA_SERVICE_ENDPOINT: url, AWS_REGION: "us-east-1" });
      delete e.AWS_EC2_METADATA_DISABLED;
      writeFileSync(join(dir, "empty-config"), "");
      const r = await run("aws", ["sts", "get-caller-identity", "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--output", "json"], e);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/erin`);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(out + err).not.toContain(PASSWORD);
  }, 60_000);

  it.skipIf(!hasAws)("update --once with the IdP source writes a profile the AWS CLI uses" + awsNote, async () => {
    const creds = join(dir, "update-credentials");
    const u = await run(process.execPath, [CLI, "update", "--once", ...idpFlags(), "--sts-endpoint", emu.endpoint, "--profile", "saml-upd", "--credentials-file", creds]);
    expect(u.code).toBe(0);
    expect(u.stdout + u.stderr).not.toContain(PASSWORD);
    writeFileSync(join(dir, "empty-config"), "");
    const r = await run("aws", ["sts", "get-caller-identity", "--profile", "saml-upd", "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--output", "json"],
      env({ AWS_CONFIG_FILE: join(dir, "empty-config"), AWS_SHARED_CREDENTIALS_FILE: creds }));
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/erin`);
  }, 60_000);

  it("saml-roles lists the pair; saml-assertion's output is accepted by STS", async () => {
    const roles = await run(process.execPath, [CLI, "saml-roles", ...idpFlags()]);
    expect(roles.stderr).toBe("");
    expect(roles.stdout).toBe(`${emu.roleArn},${emu.samlProviderArn}\n`);
    const a = await run(process.execPath, [CLI, "saml-assertion", ...idpFlags()]);
    expect(a.code).toBe(0);
    writeFileSync(join(dir, "a.b64"), a.stdout);
    const fromFile = await run(process.execPath, [CLI, "credential-process", "--saml-assertion", join(dir, "a.b64"), "--sts-endpoint", emu.endpoint]);
    expect(fromFile.stderr).toBe("");
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ Version: 1, AccountId: emu.accountId });
    expect(roles.stdout + a.stderr + fromFile.stdout).not.toContain(PASSWORD);
  }, 60_000);

  it("a wrong password: one line, exit 1; a literal --saml-password: usage error, exit 2, not echoed", async () => {
    const bad = await run(process.execPath, [CLI, "credential-process", ...idpFlags(), "--sts-endpoint", emu.endpoint], env({ IDP_PW: "wrong-one" }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the SAML IdP refused the user name or password of erin");
    expect(bad.stderr.trim().split("\n").filter((l) => !l.startsWith("hint") && !l.includes("hint:")).length).toBeLessThanOrEqual(2);
    const lit = await run(process.execPath, [CLI, "credential-process", "--saml-idp-url", emu.samlIdpUrl!, "--saml-username", "erin", "--saml-password", "literal-pass-xyz"]);
    expect(lit.code).toBe(2);
    expect(lit.stderr).toContain("--saml-password takes env:NAME");
    expect(lit.stderr).not.toContain("literal-pass-xyz");
  }, 60_000);
});
