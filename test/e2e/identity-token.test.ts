/**
 * The built CLI: `identity-token` makes a token from Roles Anywhere
 * credentials (or AWS_* variables), `verify-identity-token` checks it against
 * the emulator. Exit codes and one-line refusals.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { CLI, requireBuiltCli } from "../integration/credential-process/world.js";
import { cleanEnv, identityFiles } from "../integration/provider/support.js";
import { startWorld, type World } from "../integration/identity-token/support.js";

let w: World;
beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld("cli-token");
});
afterAll(async () => {
  await w?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(opts.env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

const raFlags = () => [
  "--certificate", w.files.certPath, "--private-key", w.files.keyPath,
  "--trust-anchor-arn", w.emu.trustAnchorArn, "--profile-arn", w.emu.profileArn, "--role-arn", w.emu.roleArn,
  "--endpoint", w.emu.endpoint, "--role-session-name", "cli-token",
];
const verifyArgs = (aud = "svc") => ["verify-identity-token", "--audience", aud, "--sts-endpoint", w.emu.endpoint];

describe("signing-helper identity-token and verify-identity-token", () => {
  for (const format of ["vault", "k8s", "akeyless", "url"]) {
    it(`${format}: a token from the Roles Anywhere flags, verified by the CLI, names the role`, async () => {
      const made = await run(["identity-token", "--format", format, "--audience", "svc", "--sts-endpoint", w.emu.endpoint, ...raFlags()]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      expect(made.stdout.endsWith("\n")).toBe(false);
      const checked = await run(verifyArgs(), { stdin: made.stdout + "\n" });
      expect(checked.stderr).toBe("");
      expect(checked.code).toBe(0);
      expect(JSON.parse(checked.stdout)).toEqual({
        arn: expect.stringMatching(/:assumed-role\/[^/]+\/cli-token$/),
        account: w.emu.accountId,
        userId: expect.stringMatching(/:cli-token$/),
        principalArn: w.emu.roleArn,
      });
    });
  }

  it("takes AWS_ACCESS_KEY_ID/… and AWS_ENDPOINT_URL_STS with no credential flags; --token env:NAME", async () => {
    const env = {
      AWS_ACCESS_KEY_ID: w.creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: w.creds.secretAccessKey,
      AWS_SESSION_TOKEN: w.creds.sessionToken!,
      AWS_ENDPOINT_URL_STS: w.emu.endpoint,
    };
    const made = await run(["identity-token", "--format", "k8s", "--audience", "cluster-1"], { env });
    expect(made.code).toBe(0);
    expect(made.stdout.startsWith("k8s-aws-v1.")).toBe(true);
    const checked = await run([...verifyArgs("cluster-1"), "--token", "env:TOK", "--allow-account", w.emu.accountId], { env: { TOK: made.stdout } });
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout).principalArn).toBe(w.emu.roleArn);
  });

  it("refuses with exit 1 and one line naming the reason", async () => {
    const made = await run(["identity-token", "--format", "vault", "--audience", "svc", "--sts-endpoint", w.emu.endpoint, ...raFlags()]);
    const wrong = await run(verifyArgs("other"), { stdin: made.stdout });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toBe("signing-helper: token refused: AUDIENCE_MISMATCH: the token is for another audience (x-vault-aws-iam-server-id differs)\n");
    const principal = await run([...verifyArgs(), "--allow-principal", "arn:aws:iam::*:role/nobody"], { stdin: made.stdout });
    expect(principal.code).toBe(1);
    expect(principal.stderr).toBe(`signing-helper: token refused: PRINCIPAL_NOT_ALLOWED: principal ${w.emu.roleArn} is not allowed\n`);
    const notNamed = await run(["verify-identity-token", "--audience", "svc"], { stdin: made.stdout });
    expect(notNamed.stderr).toBe("signing-helper: token refused: URL_IP_LITERAL: the token names an IP address (127.0.0.1), not an STS host name\n");
  });

  it("usage errors exit 2: no audience, a literal --token, no credentials at all", async () => {
    const noAud = await run(["identity-token", ...raFlags()]);
    expect(noAud.code).toBe(2);
    expect(noAud.stderr).toBe("signing-helper: missing required flag: --audience\n");
    const literal = await run([...verifyArgs(), "--token", "k8s-aws-v1.abc"]);
    expect(literal.code).toBe(2);
    expect(literal.stderr.split("\n")[0]).toBe("signing-helper: --token takes env:NAME (a token given as a value would show in ps)");
    const none = await run(["identity-token", "--audience", "svc"]);
    expect(none.code).toBe(2);
    expect(none.stderr.split("\n")[0]).toMatch(/^signing-helper: no credentials: give the Roles Anywhere flags/);
    const badFormat = await run(["identity-token", "--audience", "svc", "--format", "saml"]);
    expect(badFormat.code).toBe(2);
  });
});

describe("identity-token after role chaining", () => {
  const A = "arn:aws:iam::111122223333:role/ra-role";
  const B = "arn:aws:iam::444455556666:role/workload-b";
  let chain: RunningEmulator;
  let files: ReturnType<typeof identityFiles>;
  beforeAll(async () => {
    const root = await createRootCa({ subject: "CN=TOKEN CHAIN ROOT,O=TEST ONLY" });
    files = identityFiles(await issueClientCertificate(root, { subject: "CN=token chain client,O=TEST ONLY" }), "identity-token-chain-");
    chain = await startEmulator({
      config: {
        accountId: "111122223333",
        trustAnchors: [{ name: "ta", certificates: [root.certPem] }],
        profiles: [{ name: "p", roleArns: [A] }],
        roles: [{ arn: A, maxSessionDuration: 3600 }, { arn: B, maxSessionDuration: 3600, trust: { principals: [A] } }],
      },
    });
  });
  afterAll(async () => {
    await chain?.close();
    files?.remove();
  });

  it("signs the token with the last hop's credentials (--assume-role, --sts-endpoint shared with the hops)", async () => {
    const made = await run(["identity-token", "--format", "vault", "--audience", "svc",
      "--certificate", files.certPath, "--private-key", files.keyPath,
      "--trust-anchor-arn", chain.trustAnchorArn, "--profile-arn", chain.profileArn, "--role-arn", A, "--endpoint", chain.endpoint,
      "--assume-role", B, "--assume-role-session-name", "hop-b", "--sts-endpoint", chain.endpoint]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const checked = await run(["verify-identity-token", "--audience", "svc", "--sts-endpoint", chain.endpoint, "--allow-principal", B], { stdin: made.stdout });
    expect(checked.stderr).toBe("");
    expect(JSON.parse(checked.stdout)).toMatchObject({ arn: "arn:aws:sts::444455556666:assumed-role/workload-b/hop-b", principalArn: B, account: "444455556666" });
    expect(chain.audit.map((e) => e.operation)).toEqual(["CreateSession", "AssumeRole", "GetCallerIdentity"]);
  });

  it("refuses --assume-role without the Roles Anywhere flags (exit 2)", async () => {
    const r = await run(["identity-token", "--audience", "svc", "--assume-role", B], { env: { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" } });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("signing-helper: --assume-role needs the Roles Anywhere flags (--certificate, --trust-anchor-arn, …) as the first credentials");
  });
});
