import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MintedCredentials } from "../../../src/emulator/types.js";
import { ACCOUNT, startStsServer, TARGET_ROLE_ARN, type StsTestServer } from "./sts-server.js";

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";
const botoNote = hasBoto3 ? "" : " [skipped: python3 with boto3 is not available]";

let srv: StsTestServer;
let dir: string;
beforeAll(async () => {
  srv = await startStsServer();
  dir = mkdtempSync(join(tmpdir(), "sts-cli-"));
  writeFileSync(join(dir, "config"), "");
  writeFileSync(join(dir, "credentials"), "");
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An environment that can only use the given credentials: no other AWS_* variable, empty config files. */
function isolatedEnv(c: Pick<MintedCredentials, "accessKeyId" | "secretAccessKey" | "sessionToken">): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const aws = (args: string[], c: Parameters<typeof isolatedEnv>[0]) =>
  run("aws", ["sts", ...args, "--endpoint-url", srv.endpoint, "--region", "us-east-1", "--output", "json"], isolatedEnv(c));

describe("STS emulator with the AWS CLI and boto3", () => {
  it.skipIf(!hasAws)("aws sts get-caller-identity succeeds with minted credentials" + awsNote, async () => {
    const creds = srv.mint({ sessionName: "cli-session" });
    const r = await aws(["get-caller-identity"], creds);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      UserId: creds.assumedRoleId, Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/cli-session`,
    });
  });

  it.skipIf(!hasAws)("aws sts assume-role returns credentials the emulator then accepts" + awsNote, async () => {
    const creds = srv.mint();
    const r = await aws(["assume-role", "--role-arn", TARGET_ROLE_ARN, "--role-session-name", "s-cli"], creds);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }; AssumedRoleUser: { Arn: string } };
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/target/s-cli`);
    const minted = srv.store.get(out.Credentials.AccessKeyId);
    expect(minted?.secretAccessKey).toBe(out.Credentials.SecretAccessKey);
    expect(minted?.sessionToken).toBe(out.Credentials.SessionToken);
    expect(srv.audit.at(-1)).toMatchObject({ operation: "AssumeRole", outcome: "success", roleArn: TARGET_ROLE_ARN });
  });

  it.skipIf(!hasAws)("aws sts get-caller-identity is refused with SignatureDoesNotMatch for a wrong secret" + awsNote, async () => {
    const creds = srv.mint();
    const r = await aws(["get-caller-identity"], { ...creds, secretAccessKey: creds.secretAccessKey.split("").reverse().join("") });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("(SignatureDoesNotMatch)");
    expect(r.stderr).not.toContain(creds.secretAccessKey);
  });

  it.skipIf(!hasAws)("aws sts get-caller-identity is refused with ExpiredToken once the emulator's clock passes the expiration" + awsNote, async () => {
    const creds = srv.mint({ durationSeconds: 900 });
    srv.clock.advance(901_000);
    try {
      const r = await aws(["get-caller-identity"], creds);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired");
    } finally {
      srv.clock.set(Date.now());
    }
  });

  it.skipIf(!hasBoto3)("boto3 get_caller_identity and its presigned URL succeed with minted credentials" + botoNote, async () => {
    const creds = srv.mint({ sessionName: "boto-session" });
    const script = [
      "import json, os, boto3",
      "c = boto3.client('sts', region_name='us-east-1', endpoint_url=os.environ['STS_ENDPOINT'])",
      "r = c.get_caller_identity()",
      "print(json.dumps({k: r[k] for k in ('Arn', 'UserId', 'Account')}))",
      "print(c.generate_presigned_url('get_caller_identity', ExpiresIn=60))",
    ].join("\n");
    const r = await run("python3", ["-c", script], { ...isolatedEnv(creds), STS_ENDPOINT: srv.endpoint });
    expect(r.code, r.stderr).toBe(0);
    const [identity, presignedUrl] = r.stdout.trim().split("\n");
    expect(JSON.parse(identity!)).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/boto-session`, UserId: creds.assumedRoleId, Account: ACCOUNT,
    });
    // botocore's presigned URL (SigV4 in the query string; signed for STS's modelled method, POST) works with no body.
    expect(presignedUrl).toContain("X-Amz-Signature=");
    const res = await fetch(presignedUrl!, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<Arn>arn:aws:sts::${ACCOUNT}:assumed-role/demo/boto-session</Arn>`);
    const tampered = await fetch(presignedUrl!.replace("X-Amz-Expires=60", "X-Amz-Expires=61"), { method: "POST" });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });
});
