import type { IdentityInput, IdentitySpec, Pkcs11Input } from "../identity/types.js";
import { labelBytes } from "../identity/source-labels.js";

/** Bytes read from stdin, labelled so that messages say "stdin" rather than "Buffer". */
export function stdinBytes(bytes: Buffer): Buffer {
  return labelBytes(bytes, "stdin");
}

/** Reads all of stdin. */
export async function readAllStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/**
 * Stdin can be read only once, but long-running commands resolve the identity
 * at every refresh: read it now and keep the bytes (files and env stay live).
 */
export async function pinStdin(spec: IdentitySpec, stdin: NodeJS.ReadableStream): Promise<IdentitySpec> {
  const isStdin = (v: IdentityInput | Pkcs11Input | undefined) => typeof v === "object" && v !== null && "stdin" in v;
  const keys = (["certificate", "privateKey", "intermediates"] as const).filter((k) => isStdin(spec[k]));
  if (keys.length === 0) return spec;
  const bytes = stdinBytes(await readAllStdin(stdin));
  const out: IdentitySpec = { ...spec };
  for (const k of keys) out[k] = bytes;
  return out;
}
