/**
 * The built CLI: `node dist/cli.js serve --port 0 …` against the emulator (run
 * in this process on 127.0.0.1). Reads the listening line, uses both routes,
 * stops it with SIGTERM (exit 0); and a failing start (exit 1, no listening line).
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import {
  containerCredentials,
  credentialArgs,
  emulatorFor,
  imdsCredentials,
  imdsToken,
  makePki,
  raw,
  type Pki,
} from "../integration/serve-command/world.js";

const CLI = join(import.meta.dirname, "../../dist/cli.js");
const TOKEN = "e2e-serve-token-91f0c2";

interface Child {
  proc: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  firstLine: () => Promise<string>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [CLI, "serve", ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  proc.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal })),
  );
  const firstLine = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 30 s; stderr: ${err}`)), 30_000);
      const check = () => {
        const nl = out.indexOf("\n");
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      };
      proc.stdout.on("data", check);
      void exit.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`serve exited before listening; stderr: ${err}`));
      });
      check();
    });
  return { proc, stdout: () => out, stderr: () => err, exit, firstLine };
}

let pki: Pki;
let emu: RunningEmulator;
const children: Child[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs) first`);
  pki = await makePki("serve-e2e-");
  emu = await emulatorFor(pki);
});
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  await emu?.close();
  pki?.cleanup();
});

describe("serve (built CLI)", () => {
  it("prints the listening line, serves both routes, and exits 0 on SIGTERM", async () => {
    const c = startCli([...credentialArgs(pki, emu), "--port", "0", "--auth-token", "env:SERVE_TOKEN"], { SERVE_TOKEN: TOKEN });
    children.push(c);
    const line = JSON.parse(await c.firstLine()) as { event: string; url: string };
    expect(Object.keys(line)).toEqual(["event", "url"]);
    expect(line.event).toBe("listening");
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const token = await imdsToken(line.url);
    const imds = await imdsCredentials(line.url, token);
    expect(imds.status).toBe(200);
    const body = JSON.parse(imds.body) as { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string };
    expect(body.AccessKeyId).toBe(emu.audit.find((e) => e.operation === "CreateSession")!.accessKeyId);
    expect(Date.parse(body.Expiration)).toBeGreaterThan(Date.now() + 5 * 60_000);
    const container = await containerCredentials(line.url, TOKEN);
    expect(container.status).toBe(200);
    expect(JSON.parse(container.body)).toMatchObject({ AccessKeyId: body.AccessKeyId, RoleArn: emu.roleArn });
    expect((await raw(line.url, "/readyz")).status).toBe(200);
    expect(c.stderr()).toContain(`export AWS_EC2_METADATA_SERVICE_ENDPOINT=${line.url}`);
    expect(c.stderr()).toContain(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=${line.url}v1/credentials`);

    c.proc.kill("SIGTERM");
    expect(await c.exit).toEqual({ code: 0, signal: null });
    expect(c.stdout()).toBe(JSON.stringify(line) + "\n");
    for (const secret of [TOKEN, body.SecretAccessKey, body.Token, token]) expect(c.stdout() + c.stderr()).not.toContain(secret);
    await expect(raw(line.url, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
    expect(emu.audit.filter((e) => e.operation === "CreateSession")).toHaveLength(1);
  });

  it("exits 1 with one error line and a hint, and prints no listening line, when the first CreateSession fails", async () => {
    const args = credentialArgs(pki, emu);
    args[args.indexOf("--trust-anchor-arn") + 1] = emu.trustAnchorArn.replace(/[0-9a-f-]+$/, "00000000-0000-4000-8000-000000000000");
    const c = startCli([...args, "--port", "0"]);
    children.push(c);
    expect(await c.exit).toEqual({ code: 1, signal: null });
    expect(c.stdout()).toBe("");
    const lines = c.stderr().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^signing-helper: CreateSession failed: /);
    expect(lines[1]).toMatch(/^hint: /);
  });
});
