import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { RolesAnywhereError } from "../errors.js";

/** A file to write: secret files get mode 0600, others 0644. @public */
export interface FileToWrite {
  name: string;
  contents: string;
  secret: boolean;
}

/** Some of the files to write already exist and overwriting was not allowed. @public */
export class FilesExistError extends RolesAnywhereError {
  /** Full paths of the existing files. */
  readonly paths: string[];
  constructor(dir: string, paths: string[], hint: string) {
    const names = paths.map((p) => p.slice(dir.length).replace(/^[/\\]/, ""));
    super("IO", `refusing to overwrite ${names.length === 1 ? "an existing file" : `${names.length} existing files`} in ${dir}: ${names.join(", ")}`, {
      hint,
    });
    this.name = "FilesExistError";
    this.paths = paths;
  }
}

/**
 * Writes `files` into `dir`, each atomically (temporary file in the same
 * directory, fsync, rename), secret files with mode 0600. Creates `dir` with
 * mode 0700 when it does not exist. Unless `overwrite`, nothing is written when
 * any target already exists.
 * @returns the full paths written, in order.
 * @throws FilesExistError when a target exists and `overwrite` is false;
 *   RolesAnywhereError (IO) when the directory or a file cannot be written.
 * @public
 */
export function writeFilesAtomically(dir: string, files: FileToWrite[], opts: WriteOptions): string[] {
  prepareToWrite(dir, files.map((f) => f.name), opts);
  const targets = files.map((f) => join(dir, f.name));
  files.forEach((file, i) => writeOne(targets[i]!, file));
  return targets;
}

/** How writeFilesAtomically treats existing files. @public */
export interface WriteOptions {
  /** Replace existing files (atomically). */
  overwrite: boolean;
  /** The hint of the FilesExistError. */
  existsHint?: string;
}

/**
 * The checks of writeFilesAtomically without the writing, so a caller can fail
 * before expensive work: makes `dir` (mode 0700) if needed and, unless
 * `overwrite`, throws FilesExistError when any of `names` exists in it.
 * @public
 */
export function prepareToWrite(dir: string, names: string[], opts: WriteOptions): void {
  ensureDirectory(dir);
  if (opts.overwrite) return;
  const existing = names.map((n) => join(dir, n)).filter((p) => exists(p));
  if (existing.length) {
    throw new FilesExistError(dir, existing, opts.existsHint ?? "remove them first, or write to another directory");
  }
}

function ensureDirectory(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(`cannot use the output directory ${dir}`, err);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (mkErr) {
      throw ioError(`cannot create the output directory ${dir}`, mkErr);
    }
    return;
  }
  if (!isDir) {
    throw new RolesAnywhereError("IO", `cannot use the output directory ${dir}: it exists and is not a directory`, {
      hint: "choose another output directory",
    });
  }
}

function writeOne(target: string, file: FileToWrite): void {
  const mode = file.secret ? 0o600 : 0o644;
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", mode);
    // The umask may have cleared bits; a key must end up exactly 0600.
    if (file.secret) chmodSync(temp, 0o600);
    writeSync(fd, file.contents);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created
    }
    throw ioError(`cannot write ${target}`, err);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw ioError(`cannot check ${path}`, err);
  }
}

function ioError(what: string, err: unknown): RolesAnywhereError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === "EACCES" || e.code === "EPERM" ? "permission denied" : e.code === "ENOTDIR" ? "a parent is not a directory" : e.code === "ENOSPC" ? "no space left on the device" : (e.code ?? e.message);
  return new RolesAnywhereError("IO", `${what}: ${why}`, { cause: err, hint: "check the path and its permissions" });
}
