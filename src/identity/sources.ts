/**
 * Turns an IdentityInput (value, bytes, file, env var, stdin, callback) into
 * bytes plus a human label for messages. Re-run at every resolution, so a
 * rotated file or secret is picked up.
 * @internal
 */
import { readFileSync, statSync } from "node:fs";
import type { IdentityInput, IdentityIo } from "./types.js";
import { fail, type Origin, type Subject } from "./fail.js";
import { bytesLabel } from "./source-labels.js";

/** Bytes read from a source, and where they came from. */
export interface Resolved {
  bytes: Buffer;
  origin: Origin;
}

/** The label of a source, as shown in messages: "file /x/y.pem", "env:NAME", "stdin", "inline PEM", "Buffer", "callback". */
export function sourceLabel(input: IdentityInput): string {
  if (typeof input === "string") return input.trimStart().startsWith("-----BEGIN") ? "inline PEM" : "inline value";
  if (input instanceof Uint8Array) return bytesLabel(input) ?? "Buffer";
  if (typeof input === "function") return "callback";
  if ("path" in input) return `file ${input.path}`;
  if ("env" in input) return `env:${input.env}`;
  return "stdin";
}

let stdinOnce: Promise<Buffer> | undefined;

/**
 * Reads the process's stdin to its end, once: later calls (identity refreshes)
 * get the same bytes, since stdin cannot be read twice.
 */
export function defaultReadStdin(): Promise<Buffer> {
  stdinOnce ??= new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer | string) => chunks.push(typeof c === "string" ? Buffer.from(c) : c));
    process.stdin.once("end", () => resolve(Buffer.concat(chunks)));
    process.stdin.once("error", reject);
  });
  return stdinOnce;
}

function toBuffer(value: string | Uint8Array): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}

/**
 * Reads `input` for `what`. Throws IdentityError SOURCE_NOT_FOUND (missing
 * file, unset or empty env var, empty input) or SOURCE_UNREADABLE (permission,
 * directory, failing callback).
 */
export async function resolveSource(input: IdentityInput, what: Subject, io: IdentityIo = {}): Promise<Resolved> {
  const origin: Origin = { what, label: sourceLabel(input) };
  const bytes = await readRaw(input, origin, io);
  if (bytes.length === 0 || (bytes.length < 64 && bytes.toString("latin1").trim() === "")) {
    throw fail("SOURCE_NOT_FOUND", origin, "is empty", {
      hint: "give the PEM text, DER bytes or a file that holds them",
    });
  }
  return { bytes, origin };
}

async function readRaw(input: IdentityInput, origin: Origin, io: IdentityIo): Promise<Buffer> {
  let bytes: Buffer;
  if (typeof input === "string" || input instanceof Uint8Array) {
    bytes = toBuffer(input);
  } else if (typeof input === "function") {
    let value: string | Uint8Array;
    try {
      value = await input();
    } catch (err) {
      throw fail("SOURCE_UNREADABLE", origin, `the callback failed: ${err instanceof Error ? err.message : String(err)}`, {
        hint: "fix the function that supplies it; it is called again at every refresh",
        cause: err,
      });
    }
    if (typeof value !== "string" && !(value instanceof Uint8Array)) {
      throw fail("SOURCE_UNREADABLE", origin, `the callback returned ${value === null ? "null" : typeof value}, not a string or Buffer`, {
        hint: "return the PEM text, base64 DER or raw bytes",
      });
    }
    bytes = toBuffer(value);
  } else if ("path" in input) {
    bytes = await readPath(input.path, origin);
  } else if ("env" in input) {
    const env = io.env ?? process.env;
    const value = env[input.env];
    if (value === undefined) {
      throw fail("SOURCE_NOT_FOUND", origin, `environment variable ${input.env} is not set`, {
        hint:
          origin.what === "password"
            ? `export ${input.env} with the password, or pass it as --pkcs8-password VALUE`
            : `export ${input.env} with the PEM text (or base64 DER), or pass a file path`,
      });
    }
    if (value.trim() === "" && origin.what !== "password") {
      throw fail("SOURCE_NOT_FOUND", origin, `environment variable ${input.env} is empty`, {
        hint: `export ${input.env} with the PEM text (or base64 DER), or pass a file path`,
      });
    }
    bytes = Buffer.from(value, "utf8");
  } else {
    try {
      bytes = await (io.readStdin ?? defaultReadStdin)();
    } catch (err) {
      throw fail("SOURCE_UNREADABLE", origin, `could not read stdin: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  return bytes;
}

async function readPath(path: string, origin: Origin): Promise<Buffer> {
  if (path === "") throw fail("SOURCE_NOT_FOUND", origin, "the file path is empty", { hint: "give a file path" });
  try {
    // A regular file is read synchronously: a few kilobytes from disk, and no
    // trip through the libuv thread pool, whose start-up alone costs a
    // `credential-process` run milliseconds. Anything else (a FIFO, /dev/stdin,
    // a shell's <(…)) may block, so it is read asynchronously.
    if (statSync(path).isFile()) return readFileSync(path);
    return await process.getBuiltinModule("node:fs/promises").readFile(path);
  } catch (err) {
    const code = isErrno(err) ? err.code : undefined;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw fail("SOURCE_NOT_FOUND", origin, "no such file", { hint: `check the path ${path}`, cause: err });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw fail("SOURCE_UNREADABLE", origin, "permission denied", {
        hint: "make the file readable by the user that runs the helper",
        cause: err,
      });
    }
    if (code === "EISDIR") {
      throw fail("SOURCE_UNREADABLE", origin, "is a directory, not a file", { hint: "give the path of the file itself", cause: err });
    }
    throw fail("SOURCE_UNREADABLE", origin, `could not read the file: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Resolves a password input to a string: a string is the password itself; a
 * file or stdin has one trailing newline removed; an env var is used as is.
 * An empty password is returned as undefined (meaning: none given).
 */
export async function resolvePassword(input: IdentityInput | undefined, io: IdentityIo = {}): Promise<string | undefined> {
  if (input === undefined) return undefined;
  if (typeof input === "string") return input === "" ? undefined : input;
  const origin: Origin = { what: "password", label: sourceLabel(input) };
  const text = (await readRaw(input, origin, io)).toString("utf8");
  const fromEnv = typeof input === "object" && !(input instanceof Uint8Array) && "env" in input;
  const value = fromEnv ? text : text.replace(/\r?\n$/, "");
  return value === "" ? undefined : value;
}
