/**
 * The CLI's manners, as a user meets them: version, help (wrapped, per command,
 * with examples and environment), "did you mean", global flags before the
 * command, the name it was invoked as, no stack trace for a usage error even
 * with --debug, the last value of a repeated flag, doctor --json, colour rules,
 * key-store references, and shell completion checked in the real shells.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { CLI, cleanEnv, requireBuiltCli, run, runCli } from "../integration/credential-process/world.js";

const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

let dir: string;
let cert: string;
let key: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), "cli-manners-"));
  const root = await createRootCa({ keyType: "ec-p256" });
  const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
  cert = join(dir, "cert.pem");
  key = join(dir, "key.pem");
  writeFileSync(cert, leaf.certPem);
  writeFileSync(key, leaf.keyPem, { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs main() in-process with captured streams; `tty` makes stdout look like a terminal of that width. */
async function inProcess(argv: string[], opts: { tty?: number; env?: NodeJS.ProcessEnv; prog?: string } = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  if (opts.tty) Object.assign(out, { isTTY: true, columns: opts.tty });
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await main(argv, { stdout: out, stderr: err, env: opts.env ?? { HOME: dir }, ...(opts.prog ? { prog: opts.prog } : {}) });
  return { code, stdout, stderr };
}

describe("version and help", () => {
  it("prints the version and the official release it matches for --version, -v and version", async () => {
    for (const v of ["--version", "-v", "version"]) {
      const r = await runCli([v], cleanEnv(dir));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+ \(compatible with aws_signing_helper 1\.8\.0\)\n$/);
    }
  });

  it("lists help and version among the commands, and 'help <command>' is '<command> --help'", async () => {
    const top = await runCli(["help"], cleanEnv(dir));
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^ {2}help \[command\] /m);
    expect(top.stdout).toMatch(/^ {2}version +Print the version \(also --version, -v\)/m);
    const a = await runCli(["help", "serve"], cleanEnv(dir));
    const b = await runCli(["serve", "--help"], cleanEnv(dir));
    const c = await runCli(["serve", "--help=true"], cleanEnv(dir));
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/\nexamples:\n {2}signing-helper serve /);
    expect(a.stdout).toMatch(/\nenvironment:\n {2}AWS_REGION /);
  });

  it("--help=false is no help: the command runs", async () => {
    const r = await runCli(["read-certificate-data", "--help=false", "--certificate", cert], cleanEnv(dir));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty("serialNumber");
  });

  it("wraps help to 80 columns when not a terminal, and to the terminal's width on one", async () => {
    const piped = await runCli(["credential-process", "--help"], cleanEnv(dir));
    const longest = (text: string) => Math.max(...text.split("\n").filter((l) => l.trim().includes(" ")).map((l) => l.length));
    expect(longest(piped.stdout)).toBeLessThanOrEqual(80);
    const wide = await inProcess(["credential-process", "--help"], { tty: 150 });
    expect(longest(wide.stdout)).toBeGreaterThan(80);
    expect(longest(wide.stdout)).toBeLessThanOrEqual(150);
    const narrow = await inProcess(["help"], { tty: 60 });
    expect(longest(narrow.stdout)).toBeLessThanOrEqual(60);
  });
});

describe("mistakes", () => {
  it("suggests the command meant, as a usage error", async () => {
    const r = await runCli(["credntial-process"], cleanEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "signing-helper: unknown command: credntial-process\nhint: did you mean 'signing-helper credential-process'? (run 'signing-helper help' to list the commands)\n",
    );
    const far = await runCli(["kubernetes"], cleanEnv(dir));
    expect(far.stderr).toMatch(/^hint: run 'signing-helper help' to list the commands$/m);
  });

  it("suggests the flag meant", async () => {
    const r = await runCli(["read-certificate-data", "--certifcate", cert], cleanEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^signing-helper: unknown flag: --certifcate\nhint: did you mean --certificate\?/);
  });

  it("accepts --debug before the command", async () => {
    const r = await runCli(["--debug", "read-certificate-data", "--certificate", cert], cleanEnv(dir));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty("keyType", "EC");
  });

  it("never prints a stack trace for a usage error, even with --debug", async () => {
    for (const argv of [
      ["--debug", "credential-process", "--bogus"],
      ["credential-process", "--debug", "--session-duration", "abc"],
      ["--debug", "nope"],
    ]) {
      const r = await runCli(argv, cleanEnv(dir));
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).not.toMatch(/^\s+at /m);
      expect(r.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
    }
  });

  it("names itself as invoked: aws_signing_helper under the official name", async () => {
    const link = join(dir, "aws_signing_helper");
    symlinkSync(CLI, link);
    const r = await run(process.execPath, [link, "read-certificate-data", "--certificate", join(dir, "missing.pem")], cleanEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^aws_signing_helper: /);
    const help = await run(process.execPath, [link, "help"], cleanEnv(dir));
    expect(help.stdout).toMatch(/^usage: aws_signing_helper <command>/);
  });

  it("takes the last value of a repeated flag and says so on stderr", async () => {
    const r = await runCli(["read-certificate-data", "--certificate", join(dir, "missing.pem"), "--certificate", cert], cleanEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("warning: --certificate given more than once: the last value is used\n");
  });

  it("answers handle: and pkcs11: values with 'not supported', not 'no such file'", async () => {
    const h = await runCli(["sign-string", "--private-key", "handle:0x81000001"], cleanEnv(dir));
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/^signing-helper: --private-key: TPM key handles \(handle:…\) are not supported\nhint: /);
  });
});

describe("doctor output", () => {
  it("--json prints one object with every check and the verdict", async () => {
    const r = await runCli(["doctor", "--json", "--certificate", cert, "--private-key", key], cleanEnv(dir));
    const report = JSON.parse(r.stdout) as { ok: boolean; summary: { failed: number }; checks: { status: string; check: string }[] };
    expect(report.ok).toBe(report.summary.failed === 0);
    expect(r.code).toBe(report.ok ? 0 : 1);
    expect(report.checks.length).toBeGreaterThan(3);
    expect(report.checks.every((c) => ["pass", "warn", "fail", "skip"].includes(c.status))).toBe(true);
  });

  it("repeats the failures at the end, above the summary line", async () => {
    const r = await runCli(["doctor", "--certificate", cert, "--private-key", key], cleanEnv(dir));
    expect(r.code).toBe(1); // no ARNs given: failed checks
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^doctor: problems found \(.*\d+ failed/);
    const recap = lines.indexOf(lines.find((l) => /^to fix \(\d+\):$/.test(l))!);
    expect(recap).toBeGreaterThan(0);
    const failed = lines.slice(0, recap).filter((l) => l.startsWith("✗ "));
    expect(lines.slice(recap + 1, -1)).toEqual(failed.map((l) => `  ${l}`));
  });

  it("colours the marks only on a terminal, and never with NO_COLOR", async () => {
    const argv = ["doctor", "--certificate", cert, "--private-key", key];
    const tty = await inProcess(argv, { tty: 100, env: { HOME: dir } });
    expect(tty.stdout).toMatch(/\x1b\[3[12]m/);
    const noColor = await inProcess(argv, { tty: 100, env: { HOME: dir, NO_COLOR: "1" } });
    expect(noColor.stdout).not.toMatch(/\x1b\[/);
    const piped = await runCli(argv, cleanEnv(dir));
    expect(piped.stdout).not.toMatch(/\x1b\[/);
  });
});

describe("completion", () => {
  it("refuses a missing or unknown shell as a usage error", async () => {
    for (const argv of [["completion"], ["completion", "tcsh"], ["completion", "bash", "zsh"]]) {
      const r = await runCli(argv, cleanEnv(dir));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^signing-helper: completion needs one shell: bash, zsh, fish, powershell\n/);
    }
  });

  /** Asks bash for the completions of a command line, as it would on TAB. */
  function bashComplete(script: string, words: string[]): string[] {
    const file = join(dir, "completion.bash");
    writeFileSync(file, script);
    const quoted = words.map((w) => `'${w}'`).join(" ");
    const r = spawnSync("bash", ["-c", `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _signing_helper; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: "utf8",
      cwd: dir,
    });
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter(Boolean);
  }

  it("bash completes commands, each command's flags and flag choices", async () => {
    const r = await runCli(["completion", "bash"], cleanEnv(dir));
    expect(r.code).toBe(0);
    expect(bashComplete(r.stdout, ["signing-helper", "cred"])).toEqual(["credential-process"]);
    expect(bashComplete(r.stdout, ["signing-helper", "credential-process", "--trust"])).toEqual(["--trust-anchor-arn"]);
    expect(bashComplete(r.stdout, ["aws_signing_helper", "sign-string", "--format", ""]).sort()).toEqual(["bin", "json", "text"]);
    expect(bashComplete(r.stdout, ["signing-helper", "identity-token", "--format", ""]).sort()).toEqual(["akeyless", "k8s", "url", "vault"]);
    expect(bashComplete(r.stdout, ["signing-helper", "credential-process", "--certificate", "cer"])).toEqual(["cert.pem"]);
    expect(bashComplete(r.stdout, ["signing-helper", "help", "ser"])).toEqual(["serve"]);
  });

  it.skipIf(!has("zsh"))(`zsh loads the script and registers it for both names${has("zsh") ? "" : " [skipped: no zsh]"}`, async () => {
    const r = await runCli(["completion", "zsh"], cleanEnv(dir));
    const file = join(dir, "completion.zsh");
    writeFileSync(file, r.stdout);
    const z = spawnSync("zsh", ["-f", "-c", `source '${file}' && print -r -- "$_comps[signing-helper]|$_comps[aws_signing_helper]"`], { encoding: "utf8", env: { HOME: dir, PATH: process.env.PATH } });
    expect(z.stderr).toBe("");
    expect(z.stdout.trim()).toMatch(/_signing_helper.*\|.*_signing_helper/);
  });

  it.skipIf(!has("fish"))(`fish completes commands and flags${has("fish") ? "" : " [skipped: no fish]"}`, async () => {
    const r = await runCli(["completion", "fish"], cleanEnv(dir));
    const file = join(dir, "completion.fish");
    writeFileSync(file, r.stdout);
    const f = (line: string) =>
      spawnSync("fish", ["--no-config", "-c", `source '${file}'; complete -C '${line}'`], { encoding: "utf8", env: { HOME: dir, PATH: process.env.PATH } });
    const cmds = f("signing-helper cred");
    expect(cmds.stderr).toBe("");
    expect(cmds.stdout).toMatch(/^credential-process\tPrint temporary credentials/m);
    const flags = f("signing-helper serve --auth-tok");
    expect(flags.stdout).toMatch(/^--auth-token-file\t/m);
    const choices = f("signing-helper sign-string --format ");
    expect(choices.stdout.split("\n").map((l) => l.split("\t")[0]).filter(Boolean).sort()).toEqual(["bin", "json", "text"]);
  });

  it("powershell: one completer for both names with every command's flags", async () => {
    const r = await runCli(["completion", "powershell"], cleanEnv(dir));
    expect(r.stdout).toMatch(/Register-ArgumentCompleter -Native -CommandName 'signing-helper', 'aws_signing_helper'/);
    for (const c of ["credential-process", "serve", "update", "doctor"]) expect(r.stdout).toMatch(new RegExp(`^ {4}'${c}' = @\\('--`, "m"));
  });
});
