import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolvePassword, resolveSource, sourceLabel } from "../../../src/identity/sources.js";
import { labelBytes } from "../../../src/identity/source-labels.js";
import { interop, rejection } from "./helpers.js";

const pemPath = interop("ec-p256/cert.pem");
const pem = readFileSync(pemPath);
const dir = mkdtempSync(join(tmpdir(), "identity-sources-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveSource", () => {
  it("reads a file path, labelled with the path", async () => {
    const r = await resolveSource({ path: pemPath }, "certificate");
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin).toEqual({ what: "certificate", label: `file ${pemPath}` });
  });

  it("reads an environment variable from the injected env", async () => {
    const r = await resolveSource({ env: "MY_CERT" }, "certificate", { env: { MY_CERT: pem.toString() } });
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin.label).toBe("env:MY_CERT");
  });

  it("takes a string as the value itself", async () => {
    const r = await resolveSource(pem.toString(), "certificate");
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin.label).toBe("inline PEM");
    expect(sourceLabel("MIIB…")).toBe("inline value");
  });

  it("takes a Buffer or Uint8Array as the bytes", async () => {
    const r = await resolveSource(new Uint8Array(pem), "certificate");
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin.label).toBe("Buffer");
  });

  it("names labelled bytes by their label (the CLI's stdin, read once), not 'Buffer'", async () => {
    const bytes = labelBytes(Buffer.from(pem), "stdin");
    const r = await resolveSource(bytes, "certificate");
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin.label).toBe("stdin");
    await expect(resolveSource(labelBytes(Buffer.alloc(0), "stdin"), "certificate")).rejects.toThrow("certificate (stdin): is empty");
  });

  it("calls an async function every time it resolves", async () => {
    let calls = 0;
    const fn = async () => {
      calls++;
      return pem;
    };
    await resolveSource(fn, "certificate");
    const r = await resolveSource(fn, "certificate");
    expect(calls).toBe(2);
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin.label).toBe("callback");
    expect((await resolveSource(() => pem.toString(), "certificate")).bytes.equals(pem)).toBe(true);
  });

  it("reads stdin through the injected reader", async () => {
    const r = await resolveSource({ stdin: true }, "private key", { readStdin: async () => pem });
    expect(r.bytes.equals(pem)).toBe(true);
    expect(r.origin).toEqual({ what: "private key", label: "stdin" });
  });

  it("names the path of a missing file", async () => {
    const err = await rejection(resolveSource({ path: "/nonexistent/dir/c.pem" }, "certificate"), "SOURCE_NOT_FOUND");
    expect(err.message).toBe("certificate (file /nonexistent/dir/c.pem): no such file");
    expect(err.hint).toBe("check the path /nonexistent/dir/c.pem");
  });

  it("names an unset or empty environment variable", async () => {
    const unset = await rejection(resolveSource({ env: "NOPE" }, "private key", { env: {} }), "SOURCE_NOT_FOUND");
    expect(unset.message).toBe("private key (env:NOPE): environment variable NOPE is not set");
    expect(unset.hint).toContain("export NOPE");
    const empty = await rejection(resolveSource({ env: "EMPTY" }, "certificate", { env: { EMPTY: " \n" } }), "SOURCE_NOT_FOUND");
    expect(empty.message).toBe("certificate (env:EMPTY): environment variable EMPTY is empty");
  });

  it("refuses an empty file, stdin or callback result", async () => {
    const empty = join(dir, "empty.pem");
    writeFileSync(empty, "");
    expect((await rejection(resolveSource({ path: empty }, "certificate"), "SOURCE_NOT_FOUND")).message).toBe(`certificate (file ${empty}): is empty`);
    expect((await rejection(resolveSource({ stdin: true }, "certificate", { readStdin: async () => Buffer.alloc(0) }), "SOURCE_NOT_FOUND")).message).toBe(
      "certificate (stdin): is empty",
    );
    await rejection(resolveSource(async () => "", "certificate"), "SOURCE_NOT_FOUND");
  });

  it.skipIf(process.platform === "win32")("reads a FIFO (a shell's <(…), a named pipe) without blocking the event loop", async () => {
    const fifo = join(dir, "cert.fifo");
    execFileSync("mkfifo", [fifo]);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const reading = resolveSource({ path: fifo }, "certificate");
      // The writer opens the pipe only after a while: a synchronous read would have frozen the timers.
      await new Promise((r) => setTimeout(r, 60));
      writeFileSync(fifo, pem);
      const r = await reading;
      expect(r.bytes.equals(pem)).toBe(true);
      expect(ticks).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(ticker);
    }
  });

  it("refuses a directory", async () => {
    const err = await rejection(resolveSource({ path: dir }, "certificate"), "SOURCE_UNREADABLE");
    expect(err.message).toBe(`certificate (file ${dir}): is a directory, not a file`);
  });

  it.skipIf(process.getuid?.() === 0)("reports a file it may not read (skipped as root, who may read anything)", async () => {
    const locked = join(dir, "locked.pem");
    writeFileSync(locked, pem);
    chmodSync(locked, 0o000);
    const err = await rejection(resolveSource({ path: locked }, "certificate"), "SOURCE_UNREADABLE");
    expect(err.message).toBe(`certificate (file ${locked}): permission denied`);
  });

  it("wraps a failing callback, keeping the cause", async () => {
    const boom = new Error("secrets manager said no");
    const err = await rejection(
      resolveSource(async () => {
        throw boom;
      }, "private key"),
      "SOURCE_UNREADABLE",
    );
    expect(err.message).toBe("private key (callback): the callback failed: secrets manager said no");
    expect(err.cause).toBe(boom);
  });

  it("refuses a callback that returns something else than text or bytes", async () => {
    const err = await rejection(resolveSource((async () => 42) as never, "certificate"), "SOURCE_UNREADABLE");
    expect(err.message).toBe("certificate (callback): the callback returned number, not a string or Buffer");
  });
});

describe("resolvePassword", () => {
  it("takes a string as the password itself and treats empty as none", async () => {
    expect(await resolvePassword("p@ss word")).toBe("p@ss word");
    expect(await resolvePassword("")).toBeUndefined();
    expect(await resolvePassword(undefined)).toBeUndefined();
  });

  it("reads env vars as they are, and files or stdin without their trailing newline", async () => {
    expect(await resolvePassword({ env: "PW" }, { env: { PW: "secret\n" } })).toBe("secret\n");
    const file = join(dir, "pw.txt");
    writeFileSync(file, "secret\r\n");
    expect(await resolvePassword({ path: file })).toBe("secret");
    expect(await resolvePassword({ stdin: true }, { readStdin: async () => Buffer.from("secret\n") })).toBe("secret");
    expect(await resolvePassword(async () => "secret")).toBe("secret");
    expect(await resolvePassword({ env: "PW" }, { env: { PW: "" } })).toBeUndefined();
  });

  it("reports an unset password variable with a hint", async () => {
    const err = await rejection(resolvePassword({ env: "KEY_PW" }, { env: {} }), "SOURCE_NOT_FOUND");
    expect(err.message).toBe("password (env:KEY_PW): environment variable KEY_PW is not set");
    expect(err.hint).toBe("export KEY_PW with the password, or pass it as --pkcs8-password VALUE");
  });
});
