import { closeSync, openSync, writeSync } from "node:fs";
import type { AuditEntry } from "./types.js";
import { ConfigError } from "../errors.js";

const KEYS: readonly (keyof AuditEntry)[] = [
  "time",
  "operation",
  "outcome",
  "status",
  "requestId",
  "errorCode",
  "reason",
  "serial",
  "subject",
  "algorithm",
  "chainLength",
  "sourceIdentity",
  "trustAnchorArn",
  "profileArn",
  "roleArn",
  "accessKeyId",
  "principalTags",
  "principal",
  "externalIdMatch",
  "sessionTags",
  "transitiveTagKeys",
  "policySize",
  "packedPolicySize",
  "policyArnCount",
];

/**
 * Copies only the known AuditEntry fields (so a secret put on the object by
 * mistake never reaches the log) and bounds string lengths.
 * @internal
 */
export function sanitizeAuditEntry(e: AuditEntry): AuditEntry {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    const v = e[k];
    if (v === undefined) continue;
    if (k === "principalTags" && typeof v === "object" && v !== null) {
      const tags: Record<string, string> = {};
      for (const [tk, tv] of Object.entries(v as Record<string, unknown>).slice(0, 50)) if (typeof tv === "string") tags[tk.slice(0, 128)] = tv.slice(0, 256);
      out[k] = tags;
      continue;
    }
    out[k] = typeof v === "string" && v.length > 1024 ? v.slice(0, 1024) + "…" : v;
  }
  return out as unknown as AuditEntry;
}

/** Opens the audit log for appending, or throws a ConfigError naming the file and why. */
function openAuditFile(file: string): number {
  try {
    return openSync(file, "a", 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EISDIR" ? "is a directory, not a file" : code === "ENOENT" ? "its directory does not exist" : code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(err));
    throw new ConfigError(`audit log ${file}: cannot open it for appending: ${why}`, {
      cause: err,
      hint: "give --audit-log the path of a file to append to, in a directory that exists and is writable",
    });
  }
}

/** Where audit entries go: memory (bounded), an append-only JSON-lines file, a callback. @internal */
export class AuditSink {
  /** The most recent entries, oldest first (at most `memoryLimit`, then the older half is dropped). */
  readonly entries: AuditEntry[] = [];
  #fd: number | undefined;
  readonly #callback: ((e: AuditEntry) => void) | undefined;
  readonly #memoryLimit: number;

  constructor(opts: { file?: string; callback?: (e: AuditEntry) => void; memoryLimit?: number } = {}) {
    this.#fd = opts.file ? openAuditFile(opts.file) : undefined;
    this.#callback = opts.callback;
    this.#memoryLimit = opts.memoryLimit ?? 10_000;
  }

  /** Records one entry (one JSON line in the file, written synchronously so readers see it at once). */
  write(entry: AuditEntry): void {
    const e = sanitizeAuditEntry(entry);
    this.entries.push(e);
    if (this.entries.length > this.#memoryLimit) this.entries.splice(0, Math.ceil(this.#memoryLimit / 2));
    if (this.#fd !== undefined) writeSync(this.#fd, JSON.stringify(e) + "\n");
    if (this.#callback) {
      try {
        this.#callback(e);
      } catch {
        // a failing observer must not break the request
      }
    }
  }

  /** Closes the file; later entries go to memory and the callback only. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}
