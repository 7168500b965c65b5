import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, UsageError } from "../../../../src/errors.js";
import { createAuthTokenSource, parseAuthTokenOptions } from "../../../../src/outputs/serve/auth-token.js";

describe("parseAuthTokenOptions", () => {
  it("returns undefined when neither flag is given", () => {
    expect(parseAuthTokenOptions({})).toBeUndefined();
  });
  it("maps --auth-token-file and --auth-token env:NAME", () => {
    expect(parseAuthTokenOptions({ authTokenFile: "/run/token" })).toEqual({ kind: "file", path: "/run/token" });
    expect(parseAuthTokenOptions({ authToken: "env:SERVE_TOKEN" })).toEqual({ kind: "env", name: "SERVE_TOKEN" });
  });
  it("refuses a literal --auth-token with a hint, without echoing the value", () => {
    let err: unknown;
    try {
      parseAuthTokenOptions({ authToken: "s3cr3t-literal" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(
      "--auth-token: a literal token is refused: it would be visible to other users in the process list",
    );
    expect((err as UsageError).hint).toBe("pass --auth-token env:NAME with the token in environment variable NAME, or --auth-token-file FILE");
    expect((err as UsageError).message).not.toContain("s3cr3t-literal");
  });
  it("refuses env: without a valid variable name", () => {
    expect(() => parseAuthTokenOptions({ authToken: "env:" })).toThrow(UsageError);
    expect(() => parseAuthTokenOptions({ authToken: "env:1BAD" })).toThrow("'1BAD' is not an environment variable name");
  });
  it("refuses both flags together", () => {
    expect(() => parseAuthTokenOptions({ authTokenFile: "/x", authToken: "env:X" })).toThrow(
      "--auth-token-file and --auth-token cannot be used together",
    );
  });
});

describe("createAuthTokenSource from env:NAME", () => {
  it("reads and trims the variable", () => {
    const src = createAuthTokenSource({ kind: "env", name: "TOK" }, { env: { TOK: "  abc-123 \n" } });
    expect(src.get().reveal()).toBe("abc-123");
    expect(src.origin).toBe("env:TOK");
    expect(inspect(src.get())).toBe("[redacted]");
  });
  it("refuses an unset or empty variable", () => {
    expect(() => createAuthTokenSource({ kind: "env", name: "TOK" }, { env: {} })).toThrow("--auth-token env:TOK: the variable is not set");
    expect(() => createAuthTokenSource({ kind: "env", name: "TOK" }, { env: { TOK: "  " } })).toThrow("--auth-token env:TOK: it is empty");
  });
  it("refuses a value an HTTP header cannot carry", () => {
    expect(() => createAuthTokenSource({ kind: "env", name: "TOK" }, { env: { TOK: "a\nb" } })).toThrow(ConfigError);
    expect(() => createAuthTokenSource({ kind: "env", name: "TOK" }, { env: { TOK: "töken" } })).toThrow(ConfigError);
  });
});

describe("createAuthTokenSource from a file", () => {
  let dir: string;
  let file: string;
  let logs: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "auth-token-"));
    file = join(dir, "token");
    logs = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => createAuthTokenSource({ kind: "file", path: file }, { env: {}, log: (l) => logs.push(l) });

  it("reads the file trimmed, and warns at start that the SDKs would send its newline", () => {
    writeFileSync(file, "file-token-1\n", { mode: 0o600 });
    expect(open().get().reveal()).toBe("file-token-1");
    expect(logs).toEqual([
      `warning: --auth-token-file ${file} ends with a newline or spaces: the AWS SDKs send the file's contents verbatim as a header and fail on them`,
      `hint: write the token without a newline, e.g. openssl rand -hex 32 | tr -d '\\n' > ${file}`,
    ]);
    logs.length = 0;
    writeFileSync(file, "file-token-2", { mode: 0o600 });
    expect(open().get().reveal()).toBe("file-token-2");
    expect(logs).toEqual([]);
  });

  it("refuses a missing or empty file at start", () => {
    expect(open).toThrow(`--auth-token-file ${file}: no such file`);
    try {
      open();
    } catch (e) {
      expect((e as ConfigError).hint).toBe("create the file with the token and no newline, e.g. openssl rand -hex 32 | tr -d '\\n' > FILE");
    }
    writeFileSync(file, "\n  \n", { mode: 0o600 });
    expect(open).toThrow(`--auth-token-file ${file}: it is empty`);
  });

  it("picks up a rewritten file and a file replaced by rename", () => {
    writeFileSync(file, "first-token", { mode: 0o600 });
    const src = open();
    expect(src.get().reveal()).toBe("first-token");
    writeFileSync(file, "second-token-longer\n", { mode: 0o600 });
    expect(src.get().reveal()).toBe("second-token-longer");
    const next = join(dir, "token.new");
    writeFileSync(next, "third-token-by-rename", { mode: 0o600 });
    renameSync(next, file);
    expect(src.get().reveal()).toBe("third-token-by-rename");
    expect(logs).toEqual([]);
  });

  it("keeps the last good token when the file becomes empty or disappears, and says so once", () => {
    writeFileSync(file, "good-token", { mode: 0o600 });
    const src = open();
    writeFileSync(file, "", { mode: 0o600 });
    expect(src.get().reveal()).toBe("good-token");
    expect(src.get().reveal()).toBe("good-token");
    expect(logs).toEqual([`serve: --auth-token-file ${file}: it is empty: still using the previous token`]);
    unlinkSync(file);
    expect(src.get().reveal()).toBe("good-token");
    expect(logs[1]).toBe(`serve: --auth-token-file ${file}: no such file: still using the previous token`);
    writeFileSync(file, "recovered-token", { mode: 0o600 });
    expect(src.get().reveal()).toBe("recovered-token");
    expect(logs.join("\n")).not.toContain("good-token");
  });
});
