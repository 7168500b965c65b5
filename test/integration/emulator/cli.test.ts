/**
 * `signing-helper emulator` as a process (dist/cli.js, built by `npm test`):
 * the listening line, a CreateSession through it, the audit file, clean stop
 * on SIGTERM, and the exit codes of bad configs and bad flags.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { inputFor, sendSigned } from "./helpers.js";
import { independentSign } from "./independent-signer.js";

const CLI = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
let dir: string;
let root: IssuedCertificate;
let leaf: IssuedCertificate;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "emu-cli-"));
  root = await createRootCa();
  leaf = await issueClientCertificate(root, { subject: "CN=cli client" });
  writeFileSync(join(dir, "root-cert.pem"), root.certPem);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): { child: ChildProcessWithoutNullStreams; firstLine: Promise<string>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, "emulator", ...args], { stdio: "pipe" });
  let out = "";
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on("exit", () => reject(new Error(`emulator exited before listening: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, firstLine, exit, stderr: () => err };
}

describe("signing-helper emulator (CLI)", () => {
  it("prints the listening line first, serves CreateSession, writes the audit log and stops on SIGTERM", async () => {
    const audit = join(dir, "audit.jsonl");
    const p = start(["--trust-anchor-cert", join(dir, "root-cert.pem"), "--role-arn", "arn:aws:iam::111122223333:role/cli", "--audit-log", audit]);
    try {
      const line = JSON.parse(await p.firstLine) as Record<string, string>;
      expect(Object.keys(line)).toEqual(["event", "endpoint", "trustAnchorArn", "profileArn", "roleArn", "region", "admin"]);
      expect(line.admin).toMatchObject({ accessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/), secretAccessKey: expect.stringMatching(/^.{40}$/) });
      expect(line.event).toBe("listening");
      expect(line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(line.trustAnchorArn).toMatch(/^arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor\//);
      expect(line.profileArn).toMatch(/^arn:aws:rolesanywhere:us-east-1:111122223333:profile\//);
      expect(line.roleArn).toBe("arn:aws:iam::111122223333:role/cli");
      const res = await sendSigned(line.endpoint!, independentSign(inputFor(line.endpoint!, leaf, line as never)));
      expect(res.status, res.body).toBe(201);
      const entries = readFileSync(audit, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ operation: "CreateSession", outcome: "success", serial: leaf.serialDecimal, subject: "CN=cli client" });
    } finally {
      p.child.kill("SIGTERM");
    }
    expect(await p.exit, p.stderr()).toBe(0);
    // For people, on stderr: lines to paste, then one line per CreateSession.
    const lines = p.stderr().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^# management API \(aws rolesanywhere …\): export AWS_ACCESS_KEY_ID=AKIA/);
    expect(lines[2]).toMatch(/^credential_process = \/\S+\/dist\/cli\.js credential-process --certificate client-cert\.pem --private-key client-key\.pem --trust-anchor-arn arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor\/\S+ --profile-arn \S+ --role-arn arn:aws:iam::111122223333:role\/cli --endpoint http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[3]).toMatch(/^\S+Z CreateSession 201 subject="CN=cli client" serial=\d+ role=arn:aws:iam::111122223333:role\/cli accessKeyId=ASIA/);
    expect(lines).toHaveLength(4);
  });

  it("lists every trust anchor and profile when the config has several", async () => {
    writeFileSync(
      join(dir, "multi.json"),
      JSON.stringify({
        trustAnchors: [
          { name: "one", certificates: ["root-cert.pem"] },
          { name: "two", certificates: ["root-cert.pem"], enabled: false },
        ],
        profiles: [{ name: "p1", roleArns: ["arn:aws:iam::123456789012:role/a"] }],
      }),
    );
    const p = start(["--config", join(dir, "multi.json"), "--port", "0"]);
    try {
      const line = JSON.parse(await p.firstLine) as { trustAnchorArn: string; trustAnchors: { name: string; arn: string; enabled: boolean }[]; profiles: unknown[] };
      expect(line.trustAnchors.map((t) => [t.name, t.enabled])).toEqual([["one", true], ["two", false]]);
      expect(line.trustAnchorArn).toBe(line.trustAnchors[0]!.arn);
      expect(line.profiles).toHaveLength(1);
    } finally {
      p.child.kill("SIGINT");
    }
    expect(await p.exit, p.stderr()).toBe(0);
  });

  it("exits 1 naming the key of a bad config, and 2 on conflicting or missing flags", () => {
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({ trustAnchors: [{ name: "t", certificates: ["root-cert.pem"] }], profiles: [{ name: "p", roleArns: ["arn:aws:iam::123456789012:role/a"], durationSeconds: 60 }] }),
    );
    const bad = spawnSync(process.execPath, [CLI, "emulator", "--config", join(dir, "bad.json")], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.split("\n")[0]).toBe("signing-helper: config: profiles[0].durationSeconds: must be an integer 900-43200");
    expect(bad.stderr.split("\n")[1]).toMatch(/^hint: fix profiles\[0\]\.durationSeconds in .*bad\.json/);
    const both = spawnSync(process.execPath, [CLI, "emulator", "--config", "x.json", "--trust-anchor-cert", "y.pem"], { encoding: "utf8" });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^signing-helper: --config and --trust-anchor-cert cannot be used together\n/);
    const none = spawnSync(process.execPath, [CLI, "emulator"], { encoding: "utf8" });
    expect(none.status).toBe(2);
    const missing = spawnSync(process.execPath, [CLI, "emulator", "--trust-anchor-cert", join(dir, "nope.pem")], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^signing-helper: --trust-anchor-cert: cannot read ".*nope\.pem" \(ENOENT\)\n/);
  });
});
