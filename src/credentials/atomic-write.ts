import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink, chmod, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RolesAnywhereError } from "../errors.js";

/** Options of {@link writeFileAtomic}. @public */
export interface AtomicWriteOptions {
  /** Mode of the written file (default 0o600). */
  mode?: number;
  /** Mode of the parent directory when it has to be created (default 0o700). */
  dirMode?: number;
  /** Owner to give the new file (e.g. keep a user's file theirs when running as root). */
  chown?: { uid: number; gid: number };
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The temporary-file name pattern used next to `target`; other code may clean up leftovers. @public */
export function isAtomicTempFor(target: string, name: string): boolean {
  const prefix = `.${basename(target)}.`;
  return name.startsWith(prefix) && name.endsWith(".tmp") && /^[0-9a-f]{12}$/.test(name.slice(prefix.length, -4));
}

async function ensureDir(dir: string, dirMode: number): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: dirMode });
  // mkdir's mode is filtered by the umask; set it exactly on what we created.
  if (created !== undefined) await chmod(dir, dirMode);
}

async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename has still happened.
    if (!["EISDIR", "EINVAL", "EPERM", "EACCES", "ENOTSUP"].includes(errCode(err) ?? "")) throw err;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Replaces `path` with `data` so that readers see the old or the new content,
 * never a mix: creates the parent directory (mode `dirMode`) when missing, writes
 * a temporary file in the same directory (mode `mode`), fsyncs it, renames it over
 * `path` and fsyncs the directory. On any error the temporary file is removed and
 * a RolesAnywhereError with code IO is thrown.
 * @public
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o600;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let fh: FileHandle | undefined;
  let created = false;
  try {
    await ensureDir(dir, opts.dirMode ?? 0o700);
    fh = await open(tmp, "wx", mode);
    created = true;
    await fh.writeFile(data);
    await fh.chmod(mode);
    if (opts.chown) await fh.chown(opts.chown.uid, opts.chown.gid);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    created = false;
    await syncDir(dir);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    if (created) await unlink(tmp).catch(() => undefined);
    if (err instanceof RolesAnywhereError) throw err;
    const why = errCode(err) ?? (err instanceof Error ? err.message : String(err));
    throw new RolesAnywhereError("IO", `writing ${path}: ${why}`, {
      cause: err,
      hint: "check that the directory is writable by this user and the disk is not full",
    });
  }
}
