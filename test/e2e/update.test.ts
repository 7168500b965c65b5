/**
 * `signing-helper update` end to end: the built CLI (dist/cli.js, run with this
 * Node) against the emulator on 127.0.0.1, then the AWS CLI reading the written
 * profile. Build first: `npm run build`.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { parseIni, readProfiles } from "../../src/credentials/ini.js";
import type { IssuedCertificate } from "../../src/pki/index.js";
import { cleanEnv, createSessions, emulatorFor, identityFiles, makePki, type IdentityFiles } from "../integration/provider/support.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const execFileAsync = promisify(execFile);
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

let emu: RunningEmulator;
let client: IssuedCertificate;
let files: IdentityFiles;
let work: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const pki = await makePki();
  client = await pki.issue("update-e2e");
  emu = await emulatorFor(pki.root);
  files = identityFiles(client, "update-e2e-id-");
  work = mkdtempSync(join(tmpdir(), "update-e2e-"));
});
afterAll(async () => {
  await emu?.close();
  files?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
const freshDir = () => {
  const d = join(work, `case-${++n}`);
  mkdirSync(d);
  return d;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sessionFlags(overrides: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    "--certificate": files.certPath,
    "--private-key": files.keyPath,
    "--trust-anchor-arn": emu.trustAnchorArn,
    "--profile-arn": emu.profileArn,
    "--role-arn": emu.roleArn,
    "--endpoint": emu.endpoint,
    ...overrides,
  };
  return Object.entries(flags).flatMap(([k, v]) => [k, v]);
}

/** Runs the CLI to completion. */
function cli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const profileOf = (path: string, profile: string) => readProfiles(parseIni(readFileSync(path, "utf8"))).get(profile);

describe("update --once", () => {
  it("writes the profile, keeps every other byte, mode 0600, and the AWS CLI uses it", async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    const head = "# team credentials\r\n[ci]\r\naws_access_key_id = AKIACI\r\naws_secret_access_key = cisecret\r\n\r\n";
    const tail = "\n; archived\r\n[old]\r\nregion=us-west-2\r\n";
    writeFileSync(file, head + "[ra]\r\nregion = us-east-1\r\n" + tail, { mode: 0o640 });

    const r = await cli(["update", "--once", "--profile", "ra", "--credentials-file", file, ...sessionFlags()], cleanEnv({ HOME: dir }));
    expect(r.stderr).toMatch(/^update: wrote credentials for profile 'ra' in .*credentials \(access key ASIA\w+, expire \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\n/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");

    const text = readFileSync(file, "utf8");
    expect(text.startsWith(head)).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const p = profileOf(file, "ra")!;
    expect(p.get("region")).toBe("us-east-1");
    expect(createSessions(emu.audit).at(-1)!.accessKeyId).toBe(p.get("aws_access_key_id"));
    for (const secret of [p.get("aws_secret_access_key")!, p.get("aws_session_token")!]) {
      expect(r.stderr).not.toContain(secret);
    }
  });

  it.skipIf(!hasAws)(`is read by 'aws sts get-caller-identity --profile'${hasAws ? "" : " [skipped: the aws CLI is not installed]"}`, async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    writeFileSync(file, "[default]\naws_access_key_id = AKIADEFAULTNOTUSED\naws_secret_access_key = x\n");
    const r = await cli(
      ["update", "--once", "--profile", "roles-anywhere", ...sessionFlags({ "--role-session-name": "update-e2e" })],
      cleanEnv({ HOME: dir, AWS_SHARED_CREDENTIALS_FILE: file }),
    );
    expect(r.code).toBe(0);
    const configFile = join(dir, "config");
    writeFileSync(configFile, "");
    // Asynchronously: the emulator answering it runs in this process.
    const aws = await execFileAsync(
      "aws",
      ["sts", "get-caller-identity", "--profile", "roles-anywhere", "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--query", "Arn", "--output", "text"],
      { env: cleanEnv({ HOME: dir, AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: configFile }), encoding: "utf8", timeout: 30_000 },
    );
    expect(aws.stderr).toBe("");
    const roleName = emu.roleArn.slice(emu.roleArn.lastIndexOf("/") + 1);
    expect(aws.stdout.trim()).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/${roleName}/update-e2e`);
    const sts = emu.audit.filter((e) => e.operation === "GetCallerIdentity").at(-1)!;
    expect(sts.outcome).toBe("success");
    expect(sts.accessKeyId).toBe(profileOf(file, "roles-anywhere")!.get("aws_access_key_id"));
  });

  it("defaults to ~/.aws/credentials and creates ~/.aws with mode 0700", async () => {
    const home = freshDir();
    const r = await cli(["update", "--once", ...sessionFlags()], cleanEnv({ HOME: home }));
    expect(r.code).toBe(0);
    expect(statSync(join(home, ".aws")).mode & 0o777).toBe(0o700);
    const file = join(home, ".aws", "credentials");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(profileOf(file, "default")?.get("aws_access_key_id")).toMatch(/^ASIA/);
  });

  it("reads the private key from stdin ('-')", async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    const r = await cli(
      ["update", "--once", "--credentials-file", file, ...sessionFlags({ "--private-key": "-" })],
      cleanEnv({ HOME: dir }),
      client.keyPem,
    );
    expect(r.code).toBe(0);
    expect(profileOf(file, "default")?.get("aws_access_key_id")).toMatch(/^ASIA/);
  });
});

describe("update and long-term keys", () => {
  const cases: [string, string][] = [
    ["an IAM user's key", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\naws_session_token = x\n"],
    ["a key without a session token", "[default]\naws_access_key_id = ASIAWITHOUTTOKEN\naws_secret_access_key = s\n"],
  ];
  for (const [what, text] of cases) {
    it(`refuses to replace ${what} (exit 1, file untouched, no CreateSession) unless --force`, async () => {
      const dir = freshDir();
      const file = join(dir, "credentials");
      writeFileSync(file, text, { mode: 0o600 });
      const before = createSessions(emu.audit).length;
      for (const once of [["--once"], []]) {
        const r = await cli(["update", ...once, "--credentials-file", file, ...sessionFlags()], cleanEnv({ HOME: dir }));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^update: writing profile 'default' in .*credentials \(choose another with --profile NAME\)\n/);
        expect(r.stderr).toMatch(/signing-helper: profile 'default' in .*credentials holds long-term keys \(.+\): update would replace them, left unchanged\nhint: .*--force/);
        expect(r.stderr).not.toContain("wJalrXUtnFEMI");
        expect(readFileSync(file, "utf8")).toBe(text);
      }
      expect(createSessions(emu.audit).length).toBe(before);
      const forced = await cli(["update", "--once", "--force", "--credentials-file", file, ...sessionFlags()], cleanEnv({ HOME: dir }));
      expect(forced.code).toBe(0);
      expect(profileOf(file, "default")?.get("aws_access_key_id")).toMatch(/^ASIA/);
    });
  }

  it("replaces temporary credentials (ASIA… with a token) and says nothing about the profile when --profile is given", async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    writeFileSync(file, "[ra]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_session_token = t\n", { mode: 0o600 });
    const r = await cli(["update", "--once", "--profile", "ra", "--credentials-file", file, ...sessionFlags()], cleanEnv({ HOME: dir }));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/writing profile/);
    expect(profileOf(file, "ra")?.get("aws_access_key_id")).not.toBe("ASIAOLD");
  });
});

describe("update failures", () => {
  it("exits 1 with one error line and a hint when the first CreateSession fails, and writes nothing", async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    for (const once of [true, false]) {
      const r = await cli(
        ["update", ...(once ? ["--once"] : []), "--profile", "default", "--credentials-file", file, ...sessionFlags({ "--role-arn": `arn:aws:iam::${emu.accountId}:role/not-in-profile` })],
        cleanEnv({ HOME: dir }),
      );
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^signing-helper: CreateSession .*AccessDeniedException/);
      expect(lines[1]).toMatch(/^hint: /);
      expect(existsSync(file)).toBe(false);
    }
  });

  it("exits 2 on usage errors before contacting the service", async () => {
    const before = emu.audit.length;
    const dir = freshDir();
    const noRole = sessionFlags().filter((_, i, a) => a[i] !== "--role-arn" && a[i - 1] !== "--role-arn");
    const cases: Array<[string[], RegExp]> = [
      [["update", "--once", ...noRole], /^signing-helper: missing required flag: --role-arn$/m],
      [["update", "--once", "--profile", "bad]name", ...sessionFlags()], /^signing-helper: --profile: profile name "bad]name": not usable/m],
      [["update", "--once", "--credentials-file", "", ...sessionFlags()], /^signing-helper: --credentials-file: the path is empty$/m],
      [["update", "--bogus", ...sessionFlags()], /^signing-helper: unknown flag: --bogus$/m],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, cleanEnv({ HOME: dir }));
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(emu.audit.length).toBe(before);
  });
});

describe("update and symbolic links", () => {
  it("refuses a symbolic link at the credentials path (exit 1, one line, target untouched); --follow-symlinks writes the real file", async () => {
    const { symlinkSync, lstatSync } = await import("node:fs");
    const dir = freshDir();
    const real = join(dir, "real-credentials");
    writeFileSync(real, "# keep\n", { mode: 0o644 });
    const link = join(dir, "credentials");
    symlinkSync(real, link);
    const r = await cli(["update", "--once", "--credentials-file", link, ...sessionFlags()], cleanEnv({ HOME: dir }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`signing-helper: credentials file ${link}: is a symbolic link (to ${real}), not followed; left unchanged\n`);
    expect(r.stderr).toContain("--follow-symlinks");
    expect(readFileSync(real, "utf8")).toBe("# keep\n");
    expect(statSync(real).mode & 0o777).toBe(0o644);

    const ok = await cli(["update", "--once", "--follow-symlinks", "--credentials-file", link, ...sessionFlags()], cleanEnv({ HOME: dir }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(profileOf(real, "default")?.get("aws_access_key_id")).toMatch(/^ASIA/);
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.getuid?.() !== 0)("as root: never follows another user's link into a root-owned file (needs root)", async () => {
    const { symlinkSync, lchownSync, chownSync } = await import("node:fs");
    const dir = freshDir();
    const victim = join(dir, "root-file");
    writeFileSync(victim, "root: keep\n", { mode: 0o600 });
    const userDir = join(dir, "user-aws");
    mkdirSync(userDir, { mode: 0o700 });
    chownSync(userDir, 65534, 65534);
    const link = join(userDir, "credentials");
    symlinkSync(victim, link);
    lchownSync(link, 65534, 65534);
    for (const extra of [[], ["--follow-symlinks"]]) {
      const r = await cli(["update", "--once", ...extra, "--credentials-file", link, ...sessionFlags()], cleanEnv({ HOME: dir }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^signing-helper: credentials (file|directory) .* (owned by uid 65534|symbolic link)/m);
      expect(readFileSync(victim, "utf8")).toBe("root: keep\n");
      expect(statSync(victim).mode & 0o777).toBe(0o600);
    }
  });
});

describe("update (long-running)", () => {
  it("writes, keeps running until SIGTERM, then exits 0", async () => {
    const dir = freshDir();
    const file = join(dir, "credentials");
    const child = spawn(process.execPath, [CLI, "update", "--profile", "daemon", "--credentials-file", file, ...sessionFlags()], {
      env: cleanEnv({ HOME: dir }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const scheduled = new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        if (/update: next refresh at /.test(stderr)) resolve();
      });
      child.on("exit", (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await scheduled;
    expect(profileOf(file, "daemon")?.get("aws_access_key_id")).toMatch(/^ASIA/);
    // Still running a moment later (it does not exit after the write).
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBe(null);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/update: stopping\n$/);
    expect(stdout).toBe("");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
