/**
 * `update` as a library call: fetch credentials, write them into a profile of
 * the shared credentials file, and (unless once) keep them fresh with the shared
 * refresher. The CLI command is a thin layer on top; tests run this in-process
 * with an injected clock and timers.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { createRefresher } from "../credentials/refresher.js";
import type { Refresher, RefresherEvent, RefresherOptions } from "../credentials/refresher.js";
import type { Credentials } from "../credentials/types.js";
import { updateCredentialsFile } from "./credentials-file/update-file.js";
import type { UpdateFileResult } from "./credentials-file/update-file.js";

/** Default `--profile` of `update`. @public */
export const DEFAULT_UPDATE_PROFILE = "default";

/**
 * The shared credentials file the AWS SDKs and CLI read: `AWS_SHARED_CREDENTIALS_FILE`
 * when set, else `~/.aws/credentials` (home from `HOME`, else the OS). A leading
 * `~/` is expanded as the SDKs do. Pure apart from the `home` default.
 * @public
 */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv, home: string = env.HOME || homedir()): string {
  const fromEnv = env.AWS_SHARED_CREDENTIALS_FILE;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return expandHome(fromEnv.trim(), home);
  return join(home, ".aws", "credentials");
}

/** `~/x` → `<home>/x`; a relative path is made absolute against the working directory. @public */
export function expandHome(path: string, home: string): string {
  const expanded = path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : resolve(expanded);
}

/** Something `update` reports: a refresher event, or a write of the file. Never holds a secret. @public */
export type UpdateEvent =
  | RefresherEvent
  | {
      type: "written";
      /** The file written (symbolic links resolved). */
      path: string;
      profile: string;
      accessKeyId: string;
      expiration: Date;
      /** False when the file already held exactly these credentials. */
      changed: boolean;
      /** The previous mode when it let group or others in (now 0600). */
      modeTightenedFrom?: number;
      createdDirectory: boolean;
    };

/** Options of {@link updateOnce} and {@link startUpdate}. @public */
export interface UpdateOptions {
  /**
   * Performs one CreateSession (resolving the identity again, so rotated files
   * are used), e.g. `createCredentialFetcher(spec, config, …)`.
   */
  fetch: () => Promise<Credentials>;
  /** The shared credentials file to patch (see {@link defaultCredentialsFile}). */
  credentialsFile: string;
  /** The profile (section) to write. Default `default`. */
  profile?: string;
  /** Time source shared with the refresher. Default: the system clock. */
  clock?: Clock;
  /** Diagnostic lines (stderr in the CLI). Never given a secret. */
  log?: (line: string) => void;
  /** Every event, for embedders and tests (after `log`). Exceptions it throws are ignored. */
  onEvent?: (event: UpdateEvent) => void;
  /** Tuning of the refresher: stale window, throttling, backoff, timers. */
  refresher?: Omit<RefresherOptions, "fetch" | "clock" | "onEvent">;
  /** How long to wait for the file's lock, in ms. Default 30 000. */
  lockTimeoutMs?: number;
  /** Write the file a symbolic link at `credentialsFile` points to (default: refuse the link). */
  followSymlinks?: boolean;
  /** Replace a profile that holds long-term keys (`AKIA…`, or a key without a session token). Default: refuse. */
  replaceLongTermKeys?: boolean;
}

/** A running `update` loop. @public */
export interface RunningUpdate {
  /** The file being kept fresh (symbolic links resolved). */
  path: string;
  profile: string;
  /** The refresher behind the loop (for `refreshNow()` and inspection). */
  refresher: Refresher;
  /** Stops the loop; waits for a file write under way (never leaves a partial file or a lock). Idempotent. */
  close(): Promise<void>;
}

const iso = (t: number | Date): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The stderr lines of one event; none carries a secret. @public */
export function describeUpdateEvent(e: UpdateEvent): string[] {
  switch (e.type) {
    case "written":
      return [
        `update: ${e.changed ? "wrote" : "kept"} credentials for profile '${e.profile}' in ${e.path} (access key ${e.accessKeyId}, expire ${iso(e.expiration)})`,
        ...(e.modeTightenedFrom !== undefined
          ? [`update: ${e.path} was readable by others (mode ${e.modeTightenedFrom.toString(8).padStart(4, "0")}); it is now 0600`]
          : []),
      ];
    case "refreshed":
      return [`update: next refresh at ${iso(e.refreshAt)}`];
    case "refresh-failed":
      return [
        `update: refresh failed (${e.failures} in a row): ${e.message}` + (e.retryAt !== undefined ? `; retrying at ${iso(e.retryAt)}` : ""),
      ];
    case "using-last-good":
      return [`update: the file still holds the previous credentials, valid until ${iso(e.expiration)} (${Math.floor(e.remainingMs / 60_000)} min left)`];
  }
}

function reporter(opts: UpdateOptions): (e: UpdateEvent) => void {
  return (e) => {
    if (opts.log) for (const line of describeUpdateEvent(e)) opts.log(line);
    try {
      opts.onEvent?.(e);
    } catch {
      // an observer must not break the loop
    }
  };
}

async function writeCredentials(opts: UpdateOptions, profile: string, creds: Credentials, report: (e: UpdateEvent) => void): Promise<UpdateFileResult> {
  const result = await updateCredentialsFile(opts.credentialsFile, profile, creds, {
    lockTimeoutMs: opts.lockTimeoutMs ?? 30_000,
    followSymlinks: opts.followSymlinks === true,
    replaceLongTermKeys: opts.replaceLongTermKeys === true,
  });
  report({
    type: "written",
    path: result.path,
    profile,
    accessKeyId: creds.accessKeyId,
    expiration: creds.expiration,
    changed: result.written,
    createdDirectory: result.createdDirectory,
    ...(result.modeTightenedFrom !== undefined ? { modeTightenedFrom: result.modeTightenedFrom } : {}),
  });
  return result;
}

/**
 * `update --once`: one CreateSession, one write of the profile (atomic, locked,
 * mode 0600, every other byte kept). Errors are thrown as they are.
 * @public
 */
export async function updateOnce(opts: UpdateOptions): Promise<{ credentials: Credentials; file: UpdateFileResult }> {
  const report = reporter(opts);
  const credentials = await opts.fetch();
  const file = await writeCredentials(opts, opts.profile ?? DEFAULT_UPDATE_PROFILE, credentials, report);
  return { credentials, file };
}

/**
 * Starts `update`: the first CreateSession and write must succeed (their error
 * is thrown, nothing keeps running); afterwards the refresher renews the
 * credentials ahead of expiry and each renewal is written to the file. A refresh
 * is a CreateSession plus the write, so a failure of either is retried with
 * backoff and jitter, logged, and never fatal; the file keeps the last good
 * credentials meanwhile.
 * @public
 */
export async function startUpdate(opts: UpdateOptions): Promise<RunningUpdate> {
  const clock = opts.clock ?? systemClock;
  const profile = opts.profile ?? DEFAULT_UPDATE_PROFILE;
  const report = reporter(opts);
  let started = false;
  let stopped = false;
  let writing: Promise<unknown> | undefined;
  let path = opts.credentialsFile;

  const fetchAndWrite = async (): Promise<Credentials> => {
    const creds = await opts.fetch();
    // Expired credentials are refused by the refresher; never write them.
    if (stopped || !(creds.expiration.getTime() > clock.now())) return creds;
    const w = writeCredentials(opts, profile, creds, report);
    writing = w;
    try {
      path = (await w).path;
    } finally {
      if (writing === w) writing = undefined;
    }
    return creds;
  };

  const refresher = createRefresher({
    ...opts.refresher,
    fetch: fetchAndWrite,
    clock,
    onEvent: (e) => {
      // Until the first refresh succeeds its failure is the caller's error, not a log line.
      if (!started && e.type === "refresh-failed") return;
      report(e);
    },
  });

  await refresher.refreshNow();
  started = true;
  refresher.startBackground();

  let closing: Promise<void> | undefined;
  return {
    get path() {
      return path;
    },
    profile,
    refresher,
    close() {
      closing ??= (async () => {
        stopped = true;
        refresher.stop();
        await writing?.catch(() => undefined);
      })();
      return closing;
    },
  };
}
