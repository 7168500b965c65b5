/**
 * `signing-helper serve` through the CLI's `main`, in-process, against the
 * emulator: the listening line and hints, the routes end to end, a clean stop
 * on the abort signal, and failing fast (exit 1, one error line and a hint, no
 * listening line) when the first CreateSession cannot succeed.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canEnforceHopLimit } from "../../../src/outputs/serve/listen.js";
import { NO_NATIVE_ENV } from "../../../src/outputs/serve/native-hop-limit.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { containerCredentials, credentialArgs, emulatorFor, imdsCredentials, imdsToken, makePki, raw, ROLE_NAME, serveInProcess, type Pki } from "./world.js";

const TOKEN = "cli-test-token-0b9e2f61";

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Whether nothing listens on 127.0.0.1:port any more (we can bind it). */
async function canBind(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function canBindIpv6(): boolean {
  const r = spawnSync(process.execPath, ["-e", "require('net').createServer().once('error',()=>process.exit(1)).listen(0,'::1',function(){this.close()})"]);
  return r.status === 0;
}
const hasIpv6 = canBindIpv6();

/** The contract's error shape: one `signing-helper: …` line, then one `hint: …` line, nothing else. */
function expectErrorAndHint(stderr: string, pattern: RegExp, hint?: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^signing-helper: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[1]).toMatch(/^hint: ./);
  if (hint) expect(lines[1]).toMatch(hint);
}

let pki: Pki;
let emu: RunningEmulator;
const sessions = () => emu.audit.filter((e) => e.operation === "CreateSession");

beforeAll(async () => {
  pki = await makePki("serve-cli-");
  emu = await emulatorFor(pki);
});
afterAll(async () => {
  await emu?.close();
  pki?.cleanup();
});

describe("serve command: running", () => {
  it("prints the listening line first, the export hints on stderr, serves every route, and exits 0 on the signal", async () => {
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--auth-token", "env:SERVE_TOKEN"], { SERVE_TOKEN: TOKEN });
    const line = await s.listening();
    expect(s.stdout.text.split("\n")[0]).toBe(JSON.stringify({ event: "listening", url: line.url }));
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(s.stderr.lines()).toEqual(
      expect.arrayContaining([
        `export AWS_EC2_METADATA_SERVICE_ENDPOINT=${line.url}`,
        `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${line.url}v1/credentials`,
        'export AWS_CONTAINER_AUTHORIZATION_TOKEN="$SERVE_TOKEN"',
      ]),
    );
    expect(s.stderr.text).toMatch(/^serve: credentials refreshed: access key ASIA/m);

    const token = await imdsToken(line.url);
    const role = await raw(line.url, "/latest/meta-data/iam/security-credentials/", { headers: { "x-aws-ec2-metadata-token": token } });
    expect([role.status, role.body]).toEqual([200, ROLE_NAME]);
    const imds = await imdsCredentials(line.url, token);
    expect(imds.status).toBe(200);
    const body = JSON.parse(imds.body) as Record<string, string>;
    expect(Object.keys(body)).toEqual(["AccessKeyId", "SecretAccessKey", "Token", "Code", "Type", "Expiration", "LastUpdated"]);
    expect(body.AccessKeyId).toBe(sessions().at(-1)!.accessKeyId);
    const container = await containerCredentials(line.url, TOKEN);
    expect(container.status).toBe(200);
    expect(JSON.parse(container.body)).toMatchObject({ AccessKeyId: body.AccessKeyId, RoleArn: emu.roleArn, AccountId: "123456789012" });
    expect((await raw(line.url, "/readyz")).status).toBe(200);

    // A few of the IMDS and container rules, end to end.
    expect((await raw(line.url, `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`)).status).toBe(401);
    expect((await imdsCredentials(line.url, "not-a-token")).status).toBe(401);
    const xff = await raw(line.url, "/latest/api/token", { method: "PUT", headers: { "x-forwarded-for": "10.0.0.1" } });
    expect(xff.status).toBe(400);
    const badTtl = await raw(line.url, "/latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21601" } });
    expect(badTtl.status).toBe(400);
    const wrong = await containerCredentials(line.url, TOKEN + "x");
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toHaveProperty("Code");

    expect(await s.stop()).toBe(0);
    expect(await canBind(Number(new URL(line.url).port))).toBe(true);
    // Nothing secret reached stdout or stderr.
    for (const secret of [TOKEN, body.SecretAccessKey!, body.Token!, token]) {
      expect(s.stdout.text + s.stderr.text).not.toContain(secret);
    }
  });

  it("without a token the container route answers 404 and no container hint is printed", async () => {
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0"]);
    const { url } = await s.listening();
    expect((await containerCredentials(url, TOKEN)).status).toBe(404);
    expect(s.stderr.text).not.toMatch(/AWS_CONTAINER_CREDENTIALS_FULL_URI/);
    expect(await s.stop()).toBe(0);
  });

  it("--routes container: the IMDS routes answer 404 and only the container hints are printed; --allow-host adds a Host name", async () => {
    const s = await serveInProcess(
      [...credentialArgs(pki, emu), "--port", "0", "--auth-token", "env:SERVE_TOKEN", "--routes", "container", "--allow-host", "ra.internal", "--allow-host", "ra2.internal"],
      { SERVE_TOKEN: TOKEN },
    );
    const { url } = await s.listening();
    expect(s.stderr.text).not.toMatch(/AWS_EC2_METADATA_SERVICE_ENDPOINT/);
    expect(s.stderr.lines()).toContain(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=${url}v1/credentials`);
    expect((await raw(url, "/latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).status).toBe(404);
    expect((await containerCredentials(url, TOKEN)).status).toBe(200);
    expect((await raw(url, "/v1/credentials", { headers: { authorization: TOKEN, host: "ra2.internal" } })).status).toBe(200);
    expect((await raw(url, "/v1/credentials", { headers: { authorization: TOKEN, host: "evil.example" } })).status).toBe(403);
    expect(await s.stop()).toBe(0);
  });

  it("refuses --routes it cannot serve and a bad --allow-host with exit 2, before any CreateSession", async () => {
    const before = sessions().length;
    const cases: [string[], RegExp][] = [
      [["--routes", "container"], /^signing-helper: --routes container: the container route needs a token$/],
      [["--routes", "imds,metadata"], /^signing-helper: --routes: unknown route 'metadata'$/],
      [["--routes", "imds", "--bind", "0.0.0.0", "--auth-token", "env:SERVE_TOKEN"], /^signing-helper: --routes imds: the IMDS routes are never served on a non-loopback address$/],
      [["--allow-host", "evil.example:80"], /^signing-helper: --allow-host: 'evil\.example:80' is not a host name$/],
    ];
    for (const [extra, pattern] of cases) {
      const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", ...extra], { SERVE_TOKEN: TOKEN });
      expect(await s.exit).toBe(2);
      expectErrorAndHint(s.stderr.text, pattern);
    }
    expect(sessions().length).toBe(before);
  });

  it("takes the token from --auth-token-file and prints where it is, not what it is", async () => {
    const file = join(pki.dir, "serve-token");
    writeFileSync(file, TOKEN + "\n", { mode: 0o600 });
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--auth-token-file", file]);
    const { url } = await s.listening();
    expect((await containerCredentials(url, TOKEN)).status).toBe(200);
    expect(s.stderr.lines()).toContain(`export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${file}`);
    expect(await s.stop()).toBe(0);
    expect(s.stderr.text).not.toContain(TOKEN);
  });

  it(`without the hop-limit addon (${NO_NATIVE_ENV}=1): prints the notice for a non-default --hop-limit and still serves`, async () => {
    vi.stubEnv(NO_NATIVE_ENV, "1");
    try {
      const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--hop-limit", "1"]);
      const { url } = await s.listening();
      expect(s.stderr.text).toMatch(/--hop-limit 1 is accepted but not enforced/);
      expect((await raw(url, "/healthz")).status).toBe(200);
      expect(await s.stop()).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  const enforced = canEnforceHopLimit();
  it.skipIf(!enforced)(`with the hop-limit addon: --hop-limit 1 is enforced, no notice${enforced ? "" : " [skipped: dist/native/hoplimit.node not built]"}`, async () => {
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--hop-limit", "1"]);
    const { url } = await s.listening();
    expect(s.stderr.text).not.toMatch(/--hop-limit/);
    expect((await raw(url, "/healthz")).status).toBe(200);
    expect(await s.stop()).toBe(0);
  });

  it.skipIf(!hasIpv6)("listens on --bind ::1" + (hasIpv6 ? "" : " [skipped: ::1 cannot be bound on this machine]"), async () => {
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--bind", "::1"]);
    const { url } = await s.listening();
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    const token = await imdsToken(url);
    expect((await imdsCredentials(url, token)).status).toBe(200);
    expect(await s.stop()).toBe(0);
  });
});

describe("serve command: failing fast", () => {
  it("exits 1 with one error line and a hint, and no listening line, when the trust anchor ARN is wrong", async () => {
    const port = await freePort();
    const before = sessions().length;
    const wrongTa = emu.trustAnchorArn.replace(/trust-anchor\/[0-9a-f-]+$/, "trust-anchor/00000000-0000-4000-8000-000000000000");
    const args = credentialArgs(pki, emu);
    args[args.indexOf("--trust-anchor-arn") + 1] = wrongTa;
    const s = await serveInProcess([...args, "--port", String(port)]);
    expect(await s.exit).toBe(1);
    expect(s.stdout.text).toBe("");
    expectErrorAndHint(s.stderr.text, /CreateSession/, /trust-anchor-arn|trust anchor/);
    expect(sessions().slice(before).map((e) => e.outcome)).toEqual(["failure"]);
    expect(await canBind(port)).toBe(true);
  });

  it("exits 1 with one error line and a hint when the certificate is not issued by the trust anchor's CA", async () => {
    const other = await makePki("serve-cli-untrusted-");
    try {
      const s = await serveInProcess([...credentialArgs(other, emu), "--port", "0"]);
      expect(await s.exit).toBe(1);
      expect(s.stdout.text).toBe("");
      expectErrorAndHint(s.stderr.text, /CreateSession/, /trust anchor|intermediate/);
      expect(sessions().at(-1)).toMatchObject({ outcome: "failure", serial: other.leaf.serialDecimal });
    } finally {
      other.cleanup();
    }
  });

  it("exits 1 when the service cannot be reached at all", async () => {
    const port = await freePort();
    const args = credentialArgs(pki, emu);
    args[args.indexOf("--endpoint") + 1] = `http://127.0.0.1:${port}`;
    const s = await serveInProcess([...args, "--port", "0"]);
    expect(await s.exit).toBe(1);
    expect(s.stdout.text).toBe("");
    expectErrorAndHint(s.stderr.text, /cannot connect|ECONNREFUSED|connect/i);
  });

  it("refuses a non-loopback --bind without a token before any CreateSession (exit 1)", async () => {
    const before = sessions().length;
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--bind", "0.0.0.0"]);
    expect(await s.exit).toBe(1);
    expect(s.stdout.text).toBe("");
    expectErrorAndHint(s.stderr.text, /--bind 0\.0\.0\.0: refused/, /auth-token/);
    expect(sessions().length).toBe(before);
  });

  it.each([
    [["--hop-limit", "0"], /--hop-limit must be a whole number from 1 to 255/],
    [["--auth-token", "literal-secret"], /a literal token is refused/],
    [["--auth-token", "env:A", "--auth-token-file", "/nonexistent"], /cannot be used together/],
    [["--port", "70000"], /--port must be a whole number from 0 to 65535/],
  ])("answers usage errors with exit 2 and no CreateSession: %j", async (extra, pattern) => {
    const before = sessions().length;
    const s = await serveInProcess([...credentialArgs(pki, emu), ...(extra.includes("--port") ? [] : ["--port", "0"]), ...extra]);
    expect(await s.exit).toBe(2);
    expect(s.stdout.text).toBe("");
    expect(s.stderr.text.split("\n")[0]).toMatch(pattern);
    expect(sessions().length).toBe(before);
  });

  it("exits 1 naming the variable when --auth-token env:NAME is unset", async () => {
    const s = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--auth-token", "env:NOT_SET_ANYWHERE"]);
    expect(await s.exit).toBe(1);
    expectErrorAndHint(s.stderr.text, /env:NOT_SET_ANYWHERE: the variable is not set/);
  });
});
