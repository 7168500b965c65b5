/**
 * `--state FILE`: the emulator's resources saved as one JSON document, written
 * atomically (temporary file in the same directory, fsync, rename) after every
 * management change, and subject bookkeeping within a second. Restored at start.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { ConfigError } from "../errors.js";
import { partitionOf } from "./arn.js";
import { parseCrls } from "./config.js";
import { EmulatorState, type CrlRecord, type ProfileRecord, type SubjectRecord, type TrustAnchorRecord } from "./state.js";

const FORMAT = "rolesanywhere-emulator-state/1";

type Json = Record<string, unknown>;

/** The state as a JSON-ready object. @internal */
export function snapshot(state: EmulatorState): Json {
  return {
    format: FORMAT,
    accountId: state.accountId,
    region: state.region,
    trustAnchors: state.trustAnchorRecords().map((t) => {
      const { certificates: _c, crls: _l, ...rest } = t;
      return rest;
    }),
    profiles: state.profileRecords(),
    crls: state.crlRecords().map((c) => {
      const { der, loaded: _l, ...rest } = c;
      return { ...rest, crlData: der.toString("base64") };
    }),
    roles: state.roleRecords(),
    subjects: state.subjectRecords(),
  };
}

/** Rebuilds a state from a snapshot; throws ConfigError naming what is wrong. @internal */
export function restore(json: unknown, file: string, now?: () => number): EmulatorState {
  const fail = (why: string): never => {
    throw new ConfigError(`state file ${file}: ${why}`, { hint: "fix or remove the state file (it is rewritten on every change)" });
  };
  if (typeof json !== "object" || json === null || (json as Json).format !== FORMAT) fail(`not an emulator state file (format ${FORMAT})`);
  const j = json as Json;
  const region = String(j.region);
  const state = new EmulatorState(
    { accountId: String(j.accountId), region, partition: partitionOf(region), trustAnchors: [], profiles: [], roles: [] },
    now ? { now } : {},
  );
  try {
    for (const r of (j.roles as Array<ReturnType<EmulatorState["roleRecords"]>[number]>) ?? []) state.addRole(r);
    for (const raw of (j.trustAnchors as Array<Omit<TrustAnchorRecord, "certificates" | "crls">>) ?? []) {
      const pem = raw.source.sourceData.x509CertificateData;
      const certificates = pem === undefined ? [] : EmulatorState.parseAnchorCertificates(Buffer.from(pem, "utf8"), `trust anchor ${raw.name}`);
      state.addTrustAnchor({ ...raw, certificates, crls: [] });
    }
    for (const p of (j.profiles as ProfileRecord[]) ?? []) state.addProfile(p);
    for (const raw of (j.crls as Array<Omit<CrlRecord, "der" | "loaded"> & { crlData: string }>) ?? []) {
      const { crlData, ...rest } = raw;
      const der = Buffer.from(crlData, "base64");
      state.addCrl({ ...rest, der, loaded: parseCrls(der, (why) => fail(`CRL ${raw.name}: ${why}`)) });
    }
    for (const s of (j.subjects as SubjectRecord[]) ?? []) state.addSubject(s);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    fail(`unreadable (${(err as Error).message})`);
  }
  return state;
}

/** Reads a state file; undefined when it does not exist. @internal */
export function loadStateFile(file: string, now?: () => number): EmulatorState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new ConfigError(`state file ${file}: cannot read it (${code ?? String(err)})`, { hint: "give --state a readable file, or a new path" });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`state file ${file}: not valid JSON (${(err as Error).message})`, { hint: "fix or remove the state file" });
  }
  return restore(json, file, now);
}

/** Writes `text` to `file` atomically: a temporary file beside it, fsync, rename. @internal */
export function writeAtomicSync(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Saves the state to `file` on every change: at once for management changes,
 * within `lazyMs` for subject bookkeeping (it changes on every CreateSession).
 * @internal
 */
export class StateSaver {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;
  constructor(
    readonly state: EmulatorState,
    readonly file: string,
    readonly onError: (message: string) => void,
    readonly lazyMs = 1000,
  ) {
    state.onChange = (c) => {
      if (c.lazy) {
        this.#timer ??= setTimeout(() => this.flush(), this.lazyMs);
        this.#timer.unref?.();
      } else this.flush();
    };
  }
  /** Writes now (and cancels a pending lazy write). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      writeAtomicSync(this.file, JSON.stringify(snapshot(this.state)));
      this.#failed = false;
    } catch (err) {
      // Reported once per run of failures; the emulator keeps serving from memory.
      if (!this.#failed) this.onError(`state file ${this.file}: cannot save (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      this.#failed = true;
    }
  }
  /** Final write (pending changes) and detach. */
  close(): void {
    if (this.#timer) this.flush();
    this.state.onChange = undefined;
  }
}
