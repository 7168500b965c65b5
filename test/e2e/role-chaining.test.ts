/**
 * Role chaining end to end: the built CLI (credential-process --cache, serve)
 * with --assume-role hops into other accounts, read by the real AWS CLI; the
 * AWS CLI's own chaining (role_arn + source_profile = our credential_process,
 * external_id) against the emulator's AssumeRole; the refusals STS gives.
 * The emulator runs in this process with a config of three accounts and role trust.
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { AuditEntry } from "../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";

const CLI = join(import.meta.dirname, "../../dist/cli.js");
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";

const CENTRAL = "111122223333";
const WORKLOAD = "444455556666";
const DEPLOY = "777788889999";
const A = `arn:aws:iam::${CENTRAL}:role/ra-role`;
const B = `arn:aws:iam::${WORKLOAD}:role/workload-b`;
const C = `arn:aws:iam::${DEPLOY}:role/deploy-c`;
const X = `arn:aws:iam::${WORKLOAD}:role/partner-x`;

let dir: string;
let emu: RunningEmulator;
let certPath: string;
let keyPath: string;
let configFile: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  dir = mkdtempSync(join(tmpdir(), "role-chaining-e2e-"));
  const root = await createRootCa({ subject: "CN=CHAINING TEST ROOT,O=TEST ONLY" });
  const leaf = await issueClientCertificate(root, { subject: "CN=chain client,O=TEST ONLY" });
  certPath = join(dir, "client-cert.pem");
  keyPath = join(dir, "client-key.pem");
  writeFileSync(certPath, leaf.certPem);
  writeFileSync(keyPath, leaf.keyPem, { mode: 0o600 });
  emu = await startEmulator({
    config: {
      accountId: CENTRAL,
      trustAnchors: [{ name: "central-ta", certificates: [root.certPem] }],
      profiles: [{ name: "central", roleArns: [A] }],
      roles: [
        { arn: A, maxSessionDuration: 3600 },
        { arn: B, maxSessionDuration: 43200, trust: { principals: [A] } },
        { arn: C, trust: { principals: [`arn:aws:iam::${WORKLOAD}:root`], externalId: "ext-7c", requiredTagKeys: ["team"] } },
        { arn: X, maxSessionDuration: 43200, trust: { principals: [`arn:aws:iam::${CENTRAL}:role/*`], externalId: "partner-ext-1" } },
      ],
    },
  });
  configFile = join(dir, "aws-config");
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sessionArgs = () => [
  "--certificate", certPath, "--private-key", keyPath,
  "--trust-anchor-arn", emu.trustAnchorArn, "--profile-arn", emu.profileArn, "--role-arn", A,
  "--endpoint", emu.endpoint,
];
const twoHops = () => [
  "--assume-role", B, "--assume-role", C, "--assume-role-session-name", "two-hop", "--external-id", "ext-7c",
  "--session-tag", "team=core", "--session-tag", "job=e2e-42", "--transitive-tag-key", "team", "--sts-endpoint", emu.endpoint,
];
const processLine = (args: string[]) => [process.execPath, CLI, "credential-process", ...args].map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ");

/** No AWS_* variable but the given ones; our config file; no shared credentials; HOME in the temp dir (the AWS CLI caches assumed roles in ~/.aws/cli/cache). */
function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !/^(https?|no)_proxy$/i.test(k)) env[k] = v;
  return { ...env, HOME: dir, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"), XDG_CACHE_HOME: join(dir, "cache"), AWS_METADATA_SERVICE_TIMEOUT: "5", ...extra };
}

/** Asynchronous: the emulator runs in this process, a blocking spawn would starve it. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}
const callerArn = (profile: string, env = isolatedEnv(), endpoint = true) =>
  run("aws", ["sts", "get-caller-identity", "--profile", profile, "--region", "us-east-1", ...(endpoint ? ["--endpoint-url", emu.endpoint] : []), "--query", "Arn", "--output", "text"], env);

const since = (n: number): AuditEntry[] => emu.audit.slice(n);
const ops = (entries: AuditEntry[]) => entries.map((e) => `${e.operation}:${e.outcome}`);

describe("role chaining with the AWS CLI", () => {
  it.skipIf(!hasAws)("credential_process with two hops gives the second account's role; --cache keys on the whole chain" + awsNote, async () => {
    writeFileSync(configFile, [
      "[profile chain]", `credential_process = ${processLine(["--cache", ...sessionArgs(), ...twoHops()])}`, "",
      "[profile base]", `credential_process = ${processLine(["--cache", ...sessionArgs()])}`, "",
    ].join("\n"));
    const n = emu.audit.length;
    const r = await callerArn("chain");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`arn:aws:sts::${DEPLOY}:assumed-role/deploy-c/two-hop`);
    expect(ops(since(n))).toEqual(["CreateSession:success", "AssumeRole:success", "AssumeRole:success", "GetCallerIdentity:success"]);
    // The second hop, as the audit log records it: principal, external id, tags (transitive and not), source identity.
    const hop2 = since(n)[2]!;
    expect(hop2).toMatchObject({
      roleArn: C,
      principal: expect.stringMatching(new RegExp(`^arn:aws:sts::${WORKLOAD}:assumed-role/workload-b/signing-helper-\\d+$`)),
      externalIdMatch: true,
      sessionTags: { team: "core", job: "e2e-42" },
      transitiveTagKeys: ["team"],
      sourceIdentity: "CN=chain client",
    });

    // A second run is a cache hit: no service call but the AWS CLI's own.
    const m = emu.audit.length;
    expect((await callerArn("chain")).stdout.trim()).toBe(`arn:aws:sts::${DEPLOY}:assumed-role/deploy-c/two-hop`);
    expect(ops(since(m))).toEqual(["GetCallerIdentity:success"]);
    // The same session without hops is another cache entry: the key covers the chain.
    const k = emu.audit.length;
    expect((await callerArn("base")).stdout.trim()).toMatch(new RegExp(`^arn:aws:sts::${CENTRAL}:assumed-role/ra-role/`));
    expect(ops(since(k))).toEqual(["CreateSession:success", "GetCallerIdentity:success"]);
  });

  it.skipIf(!hasAws)("serve with two hops hands the AWS CLI the second account's role through IMDS" + awsNote, async () => {
    const proc = spawn(process.execPath, [CLI, "serve", ...sessionArgs(), ...twoHops(), "--port", "0"], { env: isolatedEnv(), stdio: ["pipe", "pipe", "pipe"] });
    children.push(proc);
    let out = "";
    let err = "";
    proc.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 30_000);
      proc.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) {
          clearTimeout(t);
          resolve(out.slice(0, out.indexOf("\n")));
        }
      });
      proc.once("close", () => reject(new Error(`serve exited; stderr: ${err}`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    writeFileSync(configFile, "[default]\nregion = us-east-1\n");
    const r = await callerArn("default", isolatedEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url }));
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`arn:aws:sts::${DEPLOY}:assumed-role/deploy-c/two-hop`);
    proc.kill("SIGTERM");
    expect(await new Promise((resolve) => proc.once("close", resolve))).toBe(0);
  });

  it.skipIf(!hasAws)("the AWS CLI's own chaining (role_arn + source_profile on our credential_process, external_id) is accepted by the emulator's AssumeRole" + awsNote, async () => {
    writeFileSync(configFile, [
      "[profile ra]", `credential_process = ${processLine(sessionArgs())}`, "",
      "[profile partner]", `role_arn = ${X}`, "source_profile = ra", "external_id = partner-ext-1", "role_session_name = cli-chain", "",
    ].join("\n"));
    const n = emu.audit.length;
    // The AWS CLI's AssumeRole goes to AWS_ENDPOINT_URL_STS, its GetCallerIdentity too.
    const r = await callerArn("partner", isolatedEnv({ AWS_ENDPOINT_URL_STS: emu.endpoint }), false);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`arn:aws:sts::${WORKLOAD}:assumed-role/partner-x/cli-chain`);
    const assume = since(n).find((e) => e.operation === "AssumeRole")!;
    expect(assume).toMatchObject({ outcome: "success", roleArn: X, externalIdMatch: true, principal: expect.stringMatching(new RegExp(`^arn:aws:sts::${CENTRAL}:assumed-role/ra-role/`)) });
  });

  it.skipIf(!hasAws)("a wrong or missing external id is refused with STS's AccessDenied text; a chained 7200 s with its ValidationError" + awsNote, async () => {
    writeFileSync(configFile, [
      "[profile ra]", `credential_process = ${processLine(sessionArgs())}`, "",
      "[profile wrong]", `role_arn = ${X}`, "source_profile = ra", "external_id = not-the-one", "",
      "[profile missing]", `role_arn = ${X}`, "source_profile = ra", "",
      "[profile long]", `role_arn = ${X}`, "source_profile = ra", "external_id = partner-ext-1", "duration_seconds = 7200", "",
    ].join("\n"));
    const env = isolatedEnv({ AWS_ENDPOINT_URL_STS: emu.endpoint });
    const denied = new RegExp(
      `An error occurred \\(AccessDenied\\) when calling the AssumeRole operation: User: arn:aws:sts::${CENTRAL}:assumed-role/ra-role/[0-9a-f]+ is not authorized to perform: sts:AssumeRole on resource: ${X.replace(/[/]/g, "\\/")}`,
    );
    for (const profile of ["wrong", "missing"]) {
      const r = await callerArn(profile, env, false);
      expect(r.code, profile).not.toBe(0);
      expect(r.stderr, profile).toMatch(denied);
    }
    expect(emu.audit.filter((e) => e.operation === "AssumeRole" && e.roleArn === X).slice(-2).map((e) => [e.errorCode, e.externalIdMatch])).toEqual([
      ["AccessDenied", false],
      ["AccessDenied", false],
    ]);
    const long = await callerArn("long", env, false);
    expect(long.stderr).toContain(
      "An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  });
});

describe("role chaining in update and doctor", () => {
  it.skipIf(!hasAws)("update --once writes the last hop's credentials, which the AWS CLI reads from the file" + awsNote, async () => {
    const file = join(dir, "chain-credentials");
    const r = await run(process.execPath, [CLI, "update", "--once", "--profile", "deploy", "--credentials-file", file, ...sessionArgs(), ...twoHops()], isolatedEnv());
    expect(r.stderr).toMatch(/^update: wrote credentials for profile 'deploy' in .* \(access key ASIA\w+, expire [\dT:Z-]+\)\n$/);
    expect(r.code).toBe(0);
    writeFileSync(configFile, "[profile deploy]\nregion = us-east-1\n");
    const id = await callerArn("deploy", isolatedEnv({ AWS_SHARED_CREDENTIALS_FILE: file }));
    expect(id.stdout.trim()).toBe(`arn:aws:sts::${DEPLOY}:assumed-role/deploy-c/two-hop`);
  });

  it("doctor lists the hops and the STS endpoint, and fails a chained 7200 s with STS's reason", async () => {
    const ok = await run(process.execPath, [CLI, "doctor", ...sessionArgs(), ...twoHops()], isolatedEnv());
    expect(ok.stdout).toContain(`✓ role chain: 2 AssumeRole hops: ${B} → ${C} (3600 s each, role chaining: at most 3600)\n`);
    expect(ok.stdout).toContain(`✓ STS endpoint: ${emu.endpoint} (from --sts-endpoint, signed for us-east-1)\n`);
    const bad = await run(process.execPath, [CLI, "doctor", ...sessionArgs(), "--assume-role", B, "--assume-role-duration", "7200"], isolatedEnv());
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("✗ role chain: --assume-role-duration: 7200 seconds asked, but this hop is role chaining");
  });
});

describe("role chaining start-up (what a process loads)", () => {
  it("a warm --cache run with hops loads no npm package; a miss loads @smithy/signature-v4 but not undici", async () => {
    const preload = join(dir, "report-packages.cjs");
    writeFileSync(preload, `process.on("exit", () => {
  const packages = [...new Set(Object.keys(require.cache).map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k)?.[1]).filter(Boolean))];
  require("node:fs").writeFileSync(process.env.PACKAGES_REPORT, JSON.stringify(packages));
});
`);
    const env = isolatedEnv({ XDG_CACHE_HOME: join(dir, "cache-startup") });
    const packages = async () => {
      const report = join(dir, `packages-${Math.random()}.json`);
      const r = await run(process.execPath, ["-r", preload, CLI, "credential-process", "--cache", ...sessionArgs(), ...twoHops()], { ...env, PACKAGES_REPORT: report });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(readFileSync(report, "utf8")) as string[]).sort();
    };
    const cold = await packages();
    expect(cold).toContain("@smithy/signature-v4");
    expect(cold).not.toContain("undici");
    expect(await packages()).toEqual([]);
  });
});

describe("role chaining refusals of the built CLI (before any call)", () => {
  it("--assume-role-duration 7200 is refused with STS's reason, exit 1, nothing sent", async () => {
    const n = emu.audit.length;
    const r = await run(process.execPath, [CLI, "credential-process", ...sessionArgs(), "--assume-role", B, "--assume-role-duration", "7200"], isolatedEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "signing-helper: --assume-role-duration: 7200 seconds asked, but this hop is role chaining (it assumes a role with role credentials), which STS limits to 3600 seconds and refuses above that\n" +
        "hint: ask for 900-3600 seconds; the role's maximum session duration does not lift this limit\n",
    );
    expect(emu.audit.length).toBe(n);
  });

  it("bad hop values and a chaining flag without --assume-role are one line each", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["--assume-role", "arn:aws:iam::12:role/x"], 1, /^signing-helper: --assume-role: expected arn:<partition>:iam::<account>:role\/<name>, got 'arn:aws:iam::12:role\/x'\n/],
      [["--assume-role", B, "--external-id", "x"], 1, /^signing-helper: --external-id: expected 2-1224 characters/],
      [["--assume-role", B, "--session-tag", "novalue"], 1, /^signing-helper: --session-tag: expected KEY=VALUE, got 'novalue'\n/],
      [["--assume-role", B, "--session-policy", "{bad"], 1, /^signing-helper: --session-policy: not valid JSON/],
      [["--assume-role", B, "--session-policy", join(dir, "absent.json")], 1, /^signing-helper: --session-policy: cannot read '.*absent\.json' \(ENOENT\)\n/],
      [["--external-id", "abc"], 2, /^signing-helper: --external-id needs --assume-role\n/],
    ];
    for (const [extra, code, re] of cases) {
      const r = await run(process.execPath, [CLI, "credential-process", ...sessionArgs(), ...extra], isolatedEnv());
      expect(r.code, extra.join(" ")).toBe(code);
      expect(r.stderr, extra.join(" ")).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("a refused hop is one line with the trust hint, exit 1", async () => {
    const r = await run(process.execPath, [CLI, "credential-process", ...sessionArgs(), "--assume-role", X, "--external-id", "wrong-one", "--sts-endpoint", emu.endpoint], isolatedEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^signing-helper: AssumeRole ${X.replace(/\//g, "\\/")} failed: AccessDenied: User: arn:aws:sts::${CENTRAL}:assumed-role/ra-role/[0-9a-f]+ is not authorized to perform: sts:AssumeRole on resource: ${X.replace(/\//g, "\\/")} \\(HTTP 403, request id [0-9a-f-]+\\)\\nhint: check the role's trust policy`),
    );
  });
});
