/**
 * `signing-helper init`: writes [profile NAME] with the settings and its
 * credential_process line into the AWS config file, every other byte kept;
 * the profile then works for the AWS CLI; doctor's offline checks gate it.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIni, readProfiles } from "../../src/credentials/ini.js";
import { ROLE, cleanEnv, parseOutput, requireBuiltCli, runCli, startWorld, type World } from "../integration/credential-process/world.js";

const execFileAsync = promisify(execFile);
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

let w: World;
let home: string;
beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld();
  home = mkdtempSync(join(tmpdir(), "init-"));
});
afterAll(async () => {
  await w?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const flags = () => ["--certificate", w.ec.cert, "--private-key", w.ec.key, "--trust-anchor-arn", w.trustAnchorArn, "--profile-arn", w.profileArn, "--role-arn", ROLE, "--endpoint", w.emu.endpoint];

describe("init", () => {
  it("writes the profile atomically keeping every other byte, and the profile then works", async () => {
    const config = join(home, "config");
    const before = "# my settings\r\n[default]\r\nregion = eu-west-1\r\n\r\n[profile other]  ; keep\r\noutput = json\r\ns3 =\r\n  max_concurrent_requests = 4\r\n";
    writeFileSync(config, before, { mode: 0o640 });
    const env = cleanEnv(home, { AWS_CONFIG_FILE: config });
    const r = await runCli(["init", "--config-profile", "ra", "--cache", ...flags()], env);
    expect(r.stderr).toMatch(/^init: wrote \[profile ra\] to .*config\n/);
    expect(r.code).toBe(0);
    const after = readFileSync(config, "utf8");
    expect(after.startsWith(before)).toBe(true);
    expect(statSync(config).mode & 0o777).toBe(0o640);
    const ra = readProfiles(parseIni(after)).get("profile ra")!;
    expect(ra.get("credential_process")).toMatch(/ credential-process --config-profile ra$/);
    expect(ra.get("rolesanywhere_certificate")).toBe(w.ec.cert);
    expect(ra.get("rolesanywhere_cache")).toBe("true");
    expect(after.slice(before.length)).toMatch(/^\r\n\[profile ra\]\r\ncredential_process = /);
    expect(ra.get("region")).toBe("us-east-1");

    const cp = await runCli(["credential-process", "--config-profile", "ra"], env);
    expect(cp.stderr).toBe("");
    expect(parseOutput(cp.stdout).AccountId).toBe("123456789012");
    if (hasAws) {
      const { stdout } = await execFileAsync("aws", ["sts", "get-caller-identity", "--profile", "ra", "--endpoint-url", w.emu.endpoint, "--query", "Arn", "--output", "text"], {
        env: cleanEnv(home, { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(home, "none") }),
        encoding: "utf8",
      });
      expect(stdout.trim()).toMatch(/^arn:aws:sts::123456789012:assumed-role\/cp-test\//);
    }

    const again = await runCli(["init", "--config-profile", "ra", ...flags()], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[profile ra\] already exists in .*; nothing written\nhint: pass --force/);
    const forced = await runCli(["init", "--config-profile", "ra", "--force", ...flags(), "--session-duration", "900"], env);
    expect(forced.code).toBe(0);
    const updated = readFileSync(config, "utf8");
    expect(updated.startsWith(before)).toBe(true);
    expect(readProfiles(parseIni(updated)).get("profile ra")!.get("rolesanywhere_session_duration")).toBe("900");
    expect(updated.match(/\[profile ra\]/g)).toHaveLength(1);
  });

  it("--print shows the section and writes nothing", async () => {
    const config = join(home, "print-config");
    const r = await runCli(["init", "--print", "--config-profile", "p", ...flags()], cleanEnv(home, { AWS_CONFIG_FILE: config }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[profile p\]\nregion = us-east-1\ncredential_process = .+ credential-process --config-profile p\nrolesanywhere_certificate = /);
    expect(() => statSync(config)).toThrow();
  });

  it("refuses when doctor's offline checks fail (a key of another certificate), and without a terminal asks nothing", async () => {
    const config = join(home, "bad-config");
    const mismatch = ["--certificate", w.ec.cert, "--private-key", w.rsa.key, "--trust-anchor-arn", w.trustAnchorArn, "--profile-arn", w.profileArn, "--role-arn", ROLE];
    const r = await runCli(["init", ...mismatch], cleanEnv(home, { AWS_CONFIG_FILE: config }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✗ .*\n/m);
    expect(r.stderr).toMatch(/signing-helper: init: \d+ of doctor's offline checks failed; nothing written\n/);
    expect(() => statSync(config)).toThrow();
    const missing = await runCli(["init", "--certificate", w.ec.cert], cleanEnv(home, { AWS_CONFIG_FILE: config }));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^signing-helper: missing required flags: --private-key, --trust-anchor-arn, --profile-arn, --role-arn\nhint: give them as flags, or run init on a terminal to be asked\n$/);
  });

  it.skipIf(!hasScript)(`asks on a terminal for what the flags leave out (script(1) gives it a terminal)${hasScript ? "" : " [skipped: no script(1)]"}`, async () => {
    const config = join(home, "asked-config");
    const answers = [w.ec.cert, w.ec.key, w.trustAnchorArn, w.profileArn, ROLE].join("\n") + "\n";
    const cmd = `${process.execPath} ${join(import.meta.dirname, "../../dist/cli.js")} init --config-profile asked --endpoint ${w.emu.endpoint}`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { input: answers, encoding: "utf8", env: cleanEnv(home, { AWS_CONFIG_FILE: config }), timeout: 30_000 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Certificate file \(PEM, DER or PKCS#12\): /);
    expect(r.stdout).toMatch(/Role ARN: /);
    const p = readProfiles(parseIni(readFileSync(config, "utf8"))).get("profile asked")!;
    expect(p.get("rolesanywhere_role_arn")).toBe(ROLE);
    expect(p.get("rolesanywhere_private_key")).toBe(w.ec.key);
    const cp = await runCli(["credential-process", "--config-profile", "asked"], cleanEnv(home, { AWS_CONFIG_FILE: config }));
    expect(cp.code).toBe(0);
  });
});
