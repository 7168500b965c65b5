/**
 * Files and directories of this user's that nobody else may write: what the
 * credential cache and the CLI's code cache trust. Synchronous (small local
 * files on start-up paths); node:fs through getBuiltinModule (start-up time).
 * @internal
 */
import type { Stats } from "node:fs";

const { closeSync, constants, fstatSync, openSync, readFileSync } = process.getBuiltinModule("node:fs");

/** Owned by this user (where there are uids) and without any of the `deny` mode bits (default: writable by group or others). */
export function ownedByUsAlone(st: Stats, deny = 0o022): boolean {
  const uid = process.getuid?.();
  return (st.mode & deny) === 0 && (uid === undefined || st.uid === uid);
}

/**
 * The bytes of `path` when it is a regular file {@link ownedByUsAlone} (with `deny`);
 * undefined when it is missing, unreadable, anything else, or someone else's.
 * Checked on the opened descriptor (no swap between check and read), opened
 * non-blocking (a FIFO planted under the name cannot hang the caller). Never throws.
 */
export function readOwnFileSync(path: string, deny = 0o022): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || !ownedByUsAlone(st, deny)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing to do: the file was read or is ignored
      }
    }
  }
}
