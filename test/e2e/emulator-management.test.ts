import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrl, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../src/pki/index.js";

// The emulator as a user drives it: the AWS CLI creating a trust anchor from our
// PKI's root, a profile and a CRL over --tls (AWS_CA_BUNDLE), credential-process
// following every change, the state surviving a restart; and the --tps quota
// with 50 uncached credential-process runs, and --cache callers waiting on the lock.

const CLI = join(import.meta.dirname, "..", "..", "dist", "cli.js");
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const ROLE = "arn:aws:iam::123456789012:role/cli-created";

let dir: string;
let root: IssuedCertificate;
let good: IssuedCertificate;
let revoked: IssuedCertificate;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "emu-mgmt-e2e-"));
  root = await createRootCa({ subject: "CN=E2E ROOT" });
  good = await issueClientCertificate(root, { subject: "CN=e2e workload" });
  revoked = await issueClientCertificate(root, { subject: "CN=e2e revoked" });
  writeFileSync(join(dir, "root.pem"), root.certPem);
  for (const [name, c] of [["good", good], ["revoked", revoked]] as const) {
    writeFileSync(join(dir, `${name}-cert.pem`), c.certPem);
    writeFileSync(join(dir, `${name}-key.pem`), c.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  }
  writeFileSync(join(dir, "root.crl"), (await createCrl(root, [{ serialHex: revoked.serialHex }])).der);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Emu {
  child: ChildProcessWithoutNullStreams;
  line: Record<string, unknown> & { endpoint: string };
  exit: Promise<number | null>;
  stderr: () => string;
}

function startEmulator(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Emu> {
  const child = spawn(process.execPath, [CLI, "emulator", ...args], { env: { PATH: process.env.PATH, HOME: dir, ...env } });
  let out = "";
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve({ child, line: JSON.parse(out.slice(0, nl)) as Emu["line"], exit, stderr: () => err });
    });
    child.on("exit", () => reject(new Error(`emulator exited before listening: ${err}`)));
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function stop(emu: Emu): Promise<void> {
  emu.child.kill("SIGTERM");
  expect(await emu.exit, emu.stderr()).toBe(0);
}

function credentialProcess(endpoint: string, who: "good" | "revoked", arns: { ta: string; profile: string }, env: NodeJS.ProcessEnv, extra: string[] = []) {
  return run(
    process.execPath,
    [CLI, "credential-process", "--certificate", join(dir, `${who}-cert.pem`), "--private-key", join(dir, `${who}-key.pem`),
      "--trust-anchor-arn", arns.ta, "--profile-arn", arns.profile, "--role-arn", ROLE, "--endpoint", endpoint, ...extra],
    { PATH: process.env.PATH, HOME: dir, ...env },
  );
}

describe.skipIf(!hasAws)("emulator management API with the AWS CLI (needs `aws`)", () => {
  it("over --tls: trust anchor, profile, CRL; credential-process follows; the state survives a restart", async () => {
    const state = join(dir, "state.json");
    const admin = { EMU_ADMIN: "AKIAEMULATORADMIN000:emulator-admin-secret-for-tests-only" };
    const emu = await startEmulator(["--empty", "--tls", "--state", state, "--admin-credentials", "env:EMU_ADMIN"], admin);
    expect(emu.line.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.line.admin).toEqual({ accessKeyId: "AKIAEMULATORADMIN000" });
    const caFile = emu.line.caFile as string;
    expect(readFileSync(caFile, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const awsEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      AWS_ENDPOINT_URL: emu.line.endpoint,
      AWS_CA_BUNDLE: caFile,
      AWS_ACCESS_KEY_ID: "AKIAEMULATORADMIN000",
      AWS_SECRET_ACCESS_KEY: "emulator-admin-secret-for-tests-only",
      AWS_DEFAULT_REGION: "us-east-1",
    };
    // One shell for the three set-up calls (each CLI start costs about a second).
    const setup = await run(
      "sh",
      ["-c", `set -e
aws rolesanywhere create-trust-anchor --name e2e --enabled --source "sourceType=CERTIFICATE_BUNDLE,sourceData={x509CertificateData=$(cat "$DIR/root.pem")}" --query trustAnchor.trustAnchorArn --output text
aws rolesanywhere create-profile --name e2e --enabled --role-arns ${ROLE} --query profile.profileArn --output text
TA=$(aws rolesanywhere list-trust-anchors --query 'trustAnchors[0].trustAnchorArn' --output text)
aws rolesanywhere import-crl --name e2e --enabled --crl-data "fileb://$DIR/root.crl" --trust-anchor-arn "$TA" --query crl.enabled --output text`],
      { ...awsEnv, DIR: dir },
    );
    expect(setup.code, setup.stderr).toBe(0);
    expect(emu.stderr()).toContain(`export AWS_CA_BUNDLE=${caFile}`);
    const [ta, profile, crlEnabled] = setup.stdout.trim().split("\n");
    expect(ta).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\//);
    expect(profile).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:profile\//);
    expect(crlEnabled).toBe("True");
    const arns = { ta: ta!, profile: profile! };
    const cpEnv = { AWS_CA_BUNDLE: caFile };

    const ok = await credentialProcess(emu.line.endpoint, "good", arns, cpEnv);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
    const rev = await credentialProcess(emu.line.endpoint, "revoked", arns, cpEnv);
    expect(rev.code).toBe(1);
    expect(rev.stderr).toMatch(/Certificate revoked/);

    const id = ta!.slice(ta!.lastIndexOf("/") + 1);
    const disable = await run("aws", ["rolesanywhere", "disable-trust-anchor", "--trust-anchor-id", id, "--query", "trustAnchor.enabled", "--output", "text"], awsEnv);
    expect(disable.stdout.trim(), disable.stderr).toBe("False");
    const refused = await credentialProcess(emu.line.endpoint, "good", arns, cpEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Specified Trust Anchor is disabled\./);
    // The request lines on stderr carry the refusal reason.
    expect(emu.stderr()).toMatch(/CreateSession 403 AccessDeniedException: Certificate .* is revoked|CreateSession 403 AccessDeniedException: .*revoked/);
    expect(emu.stderr()).toMatch(/CreateSession 403 AccessDeniedException: trust anchor e2e is disabled/);
    await stop(emu);

    // Restart on the same state file: same resources, same verdicts.
    const again = await startEmulator(["--tls", "--state", state, "--admin-credentials", "env:EMU_ADMIN", "--quiet"], admin);
    const listed = await run("aws", ["rolesanywhere", "list-trust-anchors", "--query", "trustAnchors[].[trustAnchorArn,enabled]", "--output", "text"], {
      ...awsEnv,
      AWS_ENDPOINT_URL: again.line.endpoint,
      AWS_CA_BUNDLE: again.line.caFile as string,
    });
    expect(listed.stdout.trim().split(/\s+/), listed.stderr).toEqual([ta, "False"]);
    const stillRefused = await credentialProcess(again.line.endpoint, "good", arns, { AWS_CA_BUNDLE: again.line.caFile as string });
    expect(stillRefused.stderr).toMatch(/Specified Trust Anchor is disabled\./);
    await stop(again);
    expect(again.stderr()).not.toMatch(/CreateSession/);
  });
});

describe("emulator --tps (the CreateSession quota)", () => {
  async function quotaWorld(tps: string) {
    const audit = join(dir, `audit-${tps}-${Date.now()}.jsonl`);
    const emu = await startEmulator(["--trust-anchor-cert", join(dir, "root.pem"), "--role-arn", ROLE, "--tps", tps, "--audit-log", audit, "--quiet"]);
    const arns = { ta: emu.line.trustAnchorArn as string, profile: emu.line.profileArn as string };
    const entries = () => readFileSync(audit, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { operation: string; status: number; errorCode?: string });
    return { emu, arns, entries };
  }

  it("50 concurrent uncached credential-process runs against --tps 10 all succeed (throttled ones retry with jitter)", async () => {
    const { emu, arns, entries } = await quotaWorld("10");
    try {
      const runs = await Promise.all(Array.from({ length: 50 }, () => credentialProcess(emu.line.endpoint, "good", arns, {})));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(new Set(runs.map((r) => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId)).size).toBe(50);
      const cs = entries().filter((e) => e.operation === "CreateSession");
      expect(cs.filter((e) => e.status === 201)).toHaveLength(50);
      // Whether any run was throttled depends on how fast 50 processes start; every throttle is a 429 in the wire format.
      for (const e of cs.filter((x) => x.status !== 201)) expect(e).toMatchObject({ status: 429, errorCode: "ThrottlingException" });
    } finally {
      await stop(emu);
    }
  }, 120_000);

  it("credential-process --cache callers that lose the race wait on the lock, not on the quota: one CreateSession for ten", async () => {
    const { emu, arns, entries } = await quotaWorld("1");
    try {
      const cacheHome = { XDG_CACHE_HOME: join(dir, `cache-${Date.now()}`) };
      const runs = await Promise.all(Array.from({ length: 10 }, () => credentialProcess(emu.line.endpoint, "good", arns, cacheHome, ["--cache"])));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(new Set(runs.map((r) => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId)).size).toBe(1);
      expect(entries().filter((e) => e.operation === "CreateSession")).toEqual([expect.objectContaining({ status: 201 })]);
    } finally {
      await stop(emu);
    }
  }, 60_000);
});
