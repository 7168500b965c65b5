/**
 * `cache clear`: removes cached credentials, one entry (a configuration's key)
 * or every entry of the cache directory. Only files named as entries
 * (`<64 hex>.json`) and their stale temporary files are removed; locks another
 * process holds are left alone.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { RolesAnywhereError } from "../errors.js";

const ENTRY = /^[0-9a-f]{64}\.json$/;

function remove(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    throw new RolesAnywhereError("IO", `cache clear: cannot remove ${path}: ${code ?? String(err)}`, { cause: err, hint: "check the directory's owner and permissions" });
  }
}

/** Removes the entry of `key`; true when there was one. @public */
export function clearCacheEntry(dir: string, key: string): boolean {
  return remove(join(dir, `${key}.json`));
}

/** Removes every entry in `dir`; returns how many there were. A missing directory holds none. @public */
export function clearCache(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new RolesAnywhereError("IO", `cache clear: cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let removed = 0;
  for (const name of names) if (ENTRY.test(name) && remove(join(dir, name))) removed++;
  return removed;
}
