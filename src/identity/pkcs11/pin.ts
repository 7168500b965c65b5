/**
 * Where the user PIN comes from, in order: the library's `pin` option, the
 * key URI's `pin-value` or `pin-source`, the certificate URI's, and last the
 * terminal prompt (CLI only). A PIN is a secret: it is never put in a message.
 * @internal
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { IdentityError } from "../../errors.js";
import type { IdentityInput, IdentityIo } from "../types.js";
import { resolvePassword } from "../sources.js";
import { queryText, type Pkcs11Uri } from "./uri.js";

/** A PIN, and whether a person typed it (then a wrong one may be asked again). */
export interface Pin {
  value: string;
  typed: boolean;
}

function pinError(why: string, hint: string, cause?: unknown): IdentityError {
  return new IdentityError("PKCS11", `PKCS#11 PIN: ${why}`, { hint, ...(cause !== undefined ? { cause } : {}) });
}

/** Reads `pin-source`: `env:NAME` (our addition) or a `file:` URI / absolute path, one trailing newline removed. */
export function readPinSource(source: string, env: NodeJS.ProcessEnv): string {
  if (source.startsWith("env:")) {
    const name = source.slice(4);
    const value = name === "" ? undefined : env[name];
    if (value === undefined || value === "") {
      throw pinError(`pin-source ${source}: ${name === "" ? "needs a variable name" : `environment variable ${name} is not set or empty`}`, `export ${name || "NAME"} with the PIN`);
    }
    return value;
  }
  let path: string;
  if (source.startsWith("file://")) path = fileURLToPath(source);
  else if (source.startsWith("file:")) path = source.slice(5);
  else if (source.startsWith("/")) path = source;
  else throw pinError(`pin-source must be env:NAME, file:PATH or an absolute path, not '${source}'`, "e.g. ?pin-source=env:TOKEN_PIN or ?pin-source=file:/run/secrets/pin");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw pinError(`pin-source file ${path} could not be read (${code})`, "give a readable file holding the PIN", err);
  }
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw pinError(`pin-source file ${path} is empty`, "write the PIN into the file");
  return value;
}

/** The PIN of one URI (pin-value or pin-source), or undefined. */
export function pinOfUri(uri: Pkcs11Uri | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!uri) return undefined;
  const value = queryText(uri, "pin-value");
  if (value !== undefined) return value;
  const source = queryText(uri, "pin-source");
  return source === undefined ? undefined : readPinSource(source, env);
}

/** The PIN given without asking anyone: option, then key URI, then certificate URI. */
export async function givenPin(
  option: IdentityInput | undefined,
  keyUri: Pkcs11Uri | undefined,
  certUri: Pkcs11Uri | undefined,
  io: IdentityIo,
): Promise<string | undefined> {
  const env = io.env ?? process.env;
  if (option !== undefined) {
    const value = await resolvePassword(option, io);
    if (value !== undefined) return value;
  }
  return pinOfUri(keyUri, env) ?? pinOfUri(certUri, env);
}

/** Asks on the terminal (CLI) for `what`; undefined when nobody can be asked. */
export async function askPin(io: IdentityIo, what: string): Promise<string | undefined> {
  if (!io.promptPassword) return undefined;
  const answer = await io.promptPassword(what);
  return answer === "" ? undefined : answer;
}
