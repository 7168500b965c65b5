import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT,
  CLI,
  cleanEnv,
  cpArgs,
  KEY_PASSWORD,
  OTHER_ROLE,
  parseOutput,
  ROLE,
  run,
  runCli,
  type ClientFiles,
  type World,
} from "../integration/credential-process/world.js";
import { useE2eWorld } from "../helpers/e2e-world.js";

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";
const botoNote = hasBoto3 ? "" : " [skipped: python3 with boto3 is not available]";

let w: World;
let home: string;
useE2eWorld("cp-home-", (world, dir) => {
  w = world;
  home = dir;
});

/** `args` without `flag` and its value. */
function without(args: string[], flag: string): string[] {
  return args.filter((a, i) => a !== flag && args[i - 1] !== flag);
}

/** The contract's error shape: `signing-helper: <what>: <why>`, then `hint: …`, and nothing else (no stack). */
function expectErrorLines(stderr: string, what: RegExp): void {
  const lines = stderr.replace(/\n$/, "").split("\n");
  expect(lines, stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^signing-helper: \S/);
  expect(lines[0]).toMatch(what);
  expect(lines[1]).toMatch(/^hint: \S/);
}

describe("credential-process (built CLI) against the emulator", () => {
  it("prints exactly the Version 1 JSON with AccountId and no trailing newline, for RSA and EC keys", async () => {
    for (const client of [w.rsa, w.ec]) {
      const before = w.emu.audit.length;
      const r = await runCli(cpArgs(w, client), cleanEnv(home));
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = parseOutput(r.stdout);
      expect(Object.keys(out)).toEqual(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"]);
      expect(out.AccountId).toBe(ACCOUNT);
      const minted = w.emu.audit.slice(before).filter((e) => e.operation === "CreateSession");
      expect(minted).toHaveLength(1);
      expect(minted[0]).toMatchObject({ outcome: "success", accessKeyId: out.AccessKeyId, roleArn: ROLE });
      const remaining = new Date(out.Expiration).getTime() - Date.now();
      expect(remaining).toBeGreaterThan(3500_000);
      expect(remaining).toBeLessThanOrEqual(3600_000);
    }
  });

  it("accepts the official flags: --session-duration, --role-session-name, --region, --with-proxy, and the key inside the certificate file", async () => {
    const combined = join(w.dir, "ec-combined.pem");
    writeFileSync(combined, readFileSync(w.ec.cert, "utf8") + readFileSync(w.ec.key, "utf8"), { mode: 0o600 });
    const args = cpArgs(w, w.ec, ["--session-duration", "900", "--role-session-name", "flag-check", "--region", "us-east-1", "--with-proxy"]);
    args.splice(args.indexOf("--certificate"), 4, "--certificate", combined);
    const r = await runCli(args, cleanEnv(home));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = parseOutput(r.stdout);
    const remaining = new Date(out.Expiration).getTime() - Date.now();
    expect(remaining).toBeGreaterThan(800_000);
    expect(remaining).toBeLessThanOrEqual(900_000);
  });

  it("--debug prints the canonical request, string to sign and headers to stderr, and no secret", async () => {
    for (const client of [w.rsa, w.ec]) {
      const r = await runCli(cpArgs(w, client, ["--debug"]), cleanEnv(home));
      expect(r.code).toBe(0);
      const out = parseOutput(r.stdout);
      expect(r.stderr).toContain("canonical request:");
      expect(r.stderr).toContain("string to sign:");
      expect(r.stderr).toMatch(/AWS4-X509-(RSA|ECDSA)-SHA256\n\s*\d{8}T\d{6}Z\n\s*\d{8}\/us-east-1\/rolesanywhere\/aws4_request/);
      expect(r.stderr).toMatch(/x-amz-x509: [A-Za-z0-9+/=]{100,}/);
      expect(r.stderr).toMatch(/authorization: AWS4-X509-\S+ Credential=\d+\/\d{8}\/us-east-1\/rolesanywhere\/aws4_request, SignedHeaders=\S+, Signature=\[redacted\]/);
      // No secret: not the credentials, not the signature, not the private key.
      expect(r.stderr).not.toContain(out.SecretAccessKey);
      expect(r.stderr).not.toContain(out.SessionToken);
      expect(r.stderr).not.toMatch(/Signature=(?!\[redacted\])/);
      expect(r.stderr).not.toMatch(/[0-9a-f]{130,}/); // an ECDSA or RSA signature in hex is at least 130 digits
      expect(r.stderr).not.toContain("PRIVATE KEY");
      const keyBody = readFileSync(client.key, "utf8").split("\n").filter((l) => l && !l.startsWith("-----"));
      for (const line of keyBody) expect(r.stderr).not.toContain(line);
    }
  });

  describe("failures: exit 1 with one error line and a hint", () => {
    const cases: { name: string; args: (w: World) => string[]; what: RegExp; hint?: RegExp; warning?: RegExp; sends: boolean }[] = [
      {
        name: "a certificate the trust anchor does not trust",
        args: (w) => cpArgs(w, w.rogue),
        what: /untrusted signing certificate/i,
        hint: /intermediate|trust anchor/,
        sends: true,
      },
      {
        name: "a role the profile does not list",
        args: (w) => cpArgs(w, w.ec).map((a) => (a === ROLE ? OTHER_ROLE : a)),
        what: /role/i,
        hint: /profile/,
        sends: true,
      },
      {
        name: "a role session name the profile does not accept",
        args: (w) => cpArgs(w, w.ec, ["--role-session-name", "not-allowed"]).map((a) => (a === w.profileArn ? w.strictProfileArn : a)),
        what: /roleSessionName/i,
        hint: /acceptRoleSessionName|--role-session-name/,
        sends: true,
      },
      {
        name: "a malformed trust anchor ARN",
        args: (w) => cpArgs(w, w.ec).map((a) => (a === w.trustAnchorArn ? "arn:aws:rolesanywhere:us-east-1:123456789012:bogus/x" : a)),
        what: /trust.anchor/i,
        sends: false,
      },
      {
        name: "a certificate file that does not exist",
        args: (w) => cpArgs(w, { cert: join(w.dir, "missing-cert.pem"), key: w.ec.key }),
        what: /missing-cert\.pem/,
        sends: false,
      },
      {
        name: "a wrong password for an encrypted key",
        args: (w) => cpArgs(w, { cert: w.ec.cert, key: w.ecEncryptedKey }, ["--pkcs8-password", "hunter2-not-it"]),
        what: /ec-key-encrypted\.pem.*wrong password/,
        // A literal password is accepted (the official helper takes only that) with a warning first.
        warning: /^warning: --pkcs8-password VALUE can be read by every user .*env:NAME/,
        sends: false,
      },
      {
        name: "a TPM key flag (--tpm-key-password), naming the tpm2-pkcs11 route",
        args: (w) => cpArgs(w, w.ec, ["--tpm-key-password", "env:TPM_PASSWORD"]),
        what: /--tpm-key-password: not supported: TPM key files and handles: use the TPM through tpm2-pkcs11/,
        sends: false,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const before = w.createSessions();
        const r = await runCli(c.args(w), cleanEnv(home));
        expect(r.stdout).toBe("");
        expect(r.code, r.stderr).toBe(1);
        let stderr = r.stderr;
        if (c.warning) {
          expect(stderr.split("\n")[0]).toMatch(c.warning);
          stderr = stderr.slice(stderr.indexOf("\n") + 1);
        }
        expectErrorLines(stderr, c.what);
        if (c.hint) expect(stderr.split("\n")[1]).toMatch(c.hint);
        expect(r.stderr).not.toContain(KEY_PASSWORD);
        expect(r.stderr).not.toContain("hunter2-not-it");
        expect(w.createSessions() - before).toBe(c.sends ? 1 : 0);
      });
    }

    it("the right password for the encrypted key works", async () => {
      const r = await runCli(cpArgs(w, { cert: w.ec.cert, key: w.ecEncryptedKey }, ["--pkcs8-password", "env:CP_KEY_PASSWORD"]), cleanEnv(home, { CP_KEY_PASSWORD: KEY_PASSWORD }));
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      parseOutput(r.stdout);
    });
  });

  describe("usage errors: exit 2, nothing sent", () => {
    const cases: { name: string; args: (w: World) => string[]; what: RegExp }[] = [
      { name: "a missing --role-arn", args: (w) => without(cpArgs(w, w.ec), "--role-arn"), what: /missing required flag: --role-arn/ },
      { name: "an unknown flag", args: (w) => cpArgs(w, w.ec, ["--no-such-flag"]), what: /unknown flag: --no-such-flag/ },
      { name: "a missing --certificate", args: (w) => without(cpArgs(w, w.ec), "--certificate"), what: /missing required flag: --certificate/ },
      { name: "a flag without its value", args: (w) => [...cpArgs(w, w.ec), "--session-duration"], what: /--session-duration/ },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const before = w.createSessions();
        const r = await runCli(c.args(w), cleanEnv(home));
        expect(r.stdout).toBe("");
        expect(r.code, r.stderr).toBe(2);
        const lines = r.stderr.replace(/\n$/, "").split("\n");
        expect(lines[0]).toMatch(/^signing-helper: /);
        expect(lines[0]).toMatch(c.what);
        expect(lines.length).toBeLessThanOrEqual(2);
        expect(w.createSessions()).toBe(before);
      });
    }
  });
});

/** A profile `p` in an AWS config file whose credential_process runs the built CLI with absolute paths. */
function writeAwsConfig(client: ClientFiles, sessionName: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cp-aws-"));
  const argv = [process.execPath, CLI, ...cpArgs(w, client, ["--role-session-name", sessionName])];
  const config = ["[profile p]", `credential_process = ${argv.map((a) => `"${a}"`).join(" ")}`, "region = us-east-1", ""].join("\n");
  writeFileSync(join(dir, "config"), config);
  writeFileSync(join(dir, "credentials"), "");
  return dir;
}

/** What only the config file can supply: no AWS_* variable of the caller, no instance metadata. */
function awsEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !/_proxy$/i.test(k)) env[k] = v;
  return {
    ...env,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

describe("credential_process in an AWS config profile", () => {
  for (const [keyName, pick] of [["RSA", (w: World) => w.rsa], ["EC", (w: World) => w.ec]] as const) {
    it.skipIf(!hasAws)(`the AWS CLI calls sts get-caller-identity with a ${keyName} key${awsNote}`, async () => {
      const session = `aws-cli-${keyName.toLowerCase()}`;
      const dir = writeAwsConfig(pick(w), session);
      try {
        const r = await run(
          "aws",
          ["sts", "get-caller-identity", "--endpoint-url", w.emu.endpoint, "--region", "us-east-1", "--profile", "p", "--query", "Arn", "--output", "text"],
          awsEnv(dir),
        );
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/cp-test/${session}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.skipIf(!hasBoto3)(`boto3 calls get_caller_identity with a ${keyName} key${botoNote}`, async () => {
      const session = `boto3-${keyName.toLowerCase()}`;
      const dir = writeAwsConfig(pick(w), session);
      const script = [
        "import os, boto3",
        "s = boto3.Session(profile_name='p')",
        "c = s.client('sts', region_name='us-east-1', endpoint_url=os.environ['EMULATOR'])",
        "print(c.get_caller_identity()['Arn'])",
      ].join("\n");
      try {
        const r = await run("python3", ["-c", script], { ...awsEnv(dir), EMULATOR: w.emu.endpoint });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/cp-test/${session}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
