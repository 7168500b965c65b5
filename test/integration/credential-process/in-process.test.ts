import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { cpArgs, parseOutput, startWorld, type World } from "./world.js";

let w: World;
let base: string;
beforeAll(async () => {
  w = await startWorld();
  base = mkdtempSync(join(tmpdir(), "cp-inproc-"));
});
afterAll(async () => {
  await w?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Runs the CLI in this process with captured streams. */
async function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, {
    env: opts.env ?? { PATH: process.env.PATH },
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdin: Readable.from(opts.stdin !== undefined ? [Buffer.from(opts.stdin)] : []),
  });
  return { code, stdout, stderr };
}

describe("credential-process in process (main with injected streams)", () => {
  it("reads the certificate from stdin with --certificate -", async () => {
    const args = cpArgs(w, w.ec).map((a) => (a === w.ec.cert ? "-" : a));
    const r = await cli(args, { stdin: readFileSync(w.ec.cert, "utf8") });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseOutput(r.stdout).AccountId).toBe("123456789012");
  });

  it("caches a stdin certificate under its fingerprint: the same bytes again reuse the entry", async () => {
    const env = { PATH: process.env.PATH, XDG_CACHE_HOME: join(base, "xdg-stdin") };
    const args = cpArgs(w, w.ec, ["--cache"]).map((a) => (a === w.ec.cert ? "-" : a));
    const first = await cli(args, { env, stdin: readFileSync(w.ec.cert, "utf8") });
    expect(first.code).toBe(0);
    const before = w.createSessions();
    const second = await cli(args, { env, stdin: readFileSync(w.ec.cert, "utf8") });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(w.createSessions()).toBe(before);
    const other = await cli(args.map((a) => (a === w.ec.key ? w.rsa.key : a)), { env, stdin: readFileSync(w.rsa.cert, "utf8") });
    expect(other.code).toBe(0);
    expect(w.createSessions()).toBe(before + 1);
  });

  it("takes the certificate and key from env:NAME", async () => {
    const env = { PATH: process.env.PATH, CP_CERT: readFileSync(w.rsa.cert, "utf8"), CP_KEY: readFileSync(w.rsa.key, "utf8") };
    const args = cpArgs(w, { cert: "env:CP_CERT", key: "env:CP_KEY" });
    const r = await cli(args, { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    parseOutput(r.stdout);
  });

  it("AWS_ENDPOINT_URL_ROLESANYWHERE replaces a missing --endpoint", async () => {
    const args = cpArgs(w, w.ec).filter((a, i, all) => a !== "--endpoint" && all[i - 1] !== "--endpoint");
    const r = await cli(args, { env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_ROLESANYWHERE: w.emu.endpoint } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    parseOutput(r.stdout);
  });
});
