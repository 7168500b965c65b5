import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { CACHE_MIN_REMAINING_MS, cacheDir, cacheKey as keyOf, getOrCreate, readCached, writeCached } from "../../../src/credentials/cache.js";
import { x509Description, type X509DescriptionFields } from "../../../src/credentials/x509-source.js";
import { parseCacheEntry, serializeCacheEntry } from "../../../src/credentials/cache-entry.js";
import { makeCredentials } from "./helpers/make-credentials.js";
import { BARRIER, bundleForChild, runChildren } from "./helpers/children.js";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIN = 60_000;
const KEY = "a".repeat(64);
let root: string;
let n = 0;
const freshDir = () => join(root, `case-${++n}`, "rolesanywhere-signing-helper");
const mode = (p: string) => statSync(p).mode & 0o777;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cred-cache-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cacheKey = (f: X509DescriptionFields) => keyOf(x509Description(f));
const fields: X509DescriptionFields = {
  certFingerprintSha256: "AB:CD:EF",
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta",
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
  roleArn: "arn:aws:iam::123456789012:role/demo",
  durationSeconds: 3600,
  endpoint: "https://rolesanywhere.us-east-1.amazonaws.com",
};

describe("cacheKey", () => {
  it("is a lowercase hex SHA-256, stable for the same fields", () => {
    expect(cacheKey(fields)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey({ ...fields })).toBe(cacheKey(fields));
  });

  it("changes when any field changes", () => {
    const variants: Partial<X509DescriptionFields>[] = [
      { certFingerprintSha256: "ab:cd:ee" },
      { trustAnchorArn: fields.trustAnchorArn + "2" },
      { profileArn: fields.profileArn + "2" },
      { roleArn: fields.roleArn + "2" },
      { durationSeconds: 900 },
      { roleSessionName: "s" },
      { endpoint: "http://127.0.0.1:9999" },
    ];
    const keys = new Set(variants.map((v) => cacheKey({ ...fields, ...v })));
    keys.add(cacheKey(fields));
    expect(keys.size).toBe(variants.length + 1);
  });

  it("is the SHA-256 of the description's JSON (the same keys as before the pipeline layout)", () => {
    const json = JSON.stringify(["v1", "abcdef", fields.trustAnchorArn, fields.profileArn, fields.roleArn, 3600, null, fields.endpoint]);
    expect(cacheKey(fields)).toBe(createHash("sha256").update(json).digest("hex"));
  });

  it("treats the fingerprint's case and colons as formatting", () => {
    expect(cacheKey({ ...fields, certFingerprintSha256: "abcdef" })).toBe(cacheKey(fields));
  });
});

describe("cacheDir", () => {
  it("uses an absolute XDG_CACHE_HOME, else ~/.cache", () => {
    expect(cacheDir({ XDG_CACHE_HOME: "/var/cache/u" }, "/users/u")).toBe("/var/cache/u/rolesanywhere-signing-helper");
    expect(cacheDir({ XDG_CACHE_HOME: "relative/cache" }, "/users/u")).toBe("/users/u/.cache/rolesanywhere-signing-helper");
    expect(cacheDir({ XDG_CACHE_HOME: "" }, "/users/u")).toBe("/users/u/.cache/rolesanywhere-signing-helper");
    expect(cacheDir({}, "/users/u")).toBe("/users/u/.cache/rolesanywhere-signing-helper");
  });

  it("defaults the home directory to $HOME, else the user's (os.homedir())", () => {
    expect(cacheDir({})).toBe(join(homedir(), ".cache", "rolesanywhere-signing-helper"));
    expect(cacheDir({ HOME: "/users/from-env" })).toBe("/users/from-env/.cache/rolesanywhere-signing-helper");
    expect(cacheDir({ HOME: "" })).toBe(join(homedir(), ".cache", "rolesanywhere-signing-helper"));
    expect(cacheDir({ XDG_CACHE_HOME: "/var/cache/u" })).toBe("/var/cache/u/rolesanywhere-signing-helper");
  });
});

describe("cache entries", () => {
  it("round-trip credentials with the secrets only in the serialized text", () => {
    const c = { ...makeCredentials(7, T0 + 60 * MIN), assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/demo/s" };
    const text = serializeCacheEntry(c, KEY);
    expect(text).toContain("SECRET-7");
    const back = parseCacheEntry(text, KEY)!;
    expect(back.secretAccessKey.reveal()).toBe("SECRET-7");
    expect(back.sessionToken.reveal()).toBe("TOKEN-7");
    expect(back.expirationRaw).toBe(c.expirationRaw);
    expect(back.expiration.getTime()).toBe(T0 + 60 * MIN);
    expect(back.assumedRoleArn).toBe(c.assumedRoleArn);
    expect(inspect(back)).not.toMatch(/SECRET-7|TOKEN-7/);
    expect(JSON.stringify(back)).not.toMatch(/SECRET-7|TOKEN-7/);
  });

  it("reject anything incomplete or of another version", () => {
    const good = JSON.parse(serializeCacheEntry(makeCredentials(1, T0), KEY)) as Record<string, unknown>;
    for (const bad of ["", "null", "[]", "{", JSON.stringify({ ...good, version: 1 }), JSON.stringify({ ...good, version: 3 }), JSON.stringify({ ...good, sessionToken: 5 })]) {
      expect(parseCacheEntry(bad, KEY)).toBeUndefined();
    }
    expect(parseCacheEntry(JSON.stringify({ ...good, expiration: "soon" }), KEY)).toBeUndefined();
  });
});

describe("readCached / writeCached", () => {
  it("writes the entry with mode 0600 in a new directory of mode 0700", async () => {
    const dir = freshDir();
    await writeCached(dir, KEY, makeCredentials(1, T0 + 60 * MIN));
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, `${KEY}.json`))).toBe(0o600);
    expect(readdirSync(dir)).toEqual([`${KEY}.json`]);
  });

  it("reads an entry back while more than 15 minutes remain, and not after", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    await writeCached(dir, KEY, makeCredentials(1, T0 + 60 * MIN));
    expect((await readCached(dir, KEY, clock))?.accessKeyId).toBe("ASIATEST00000001");
    clock.set(T0 + 60 * MIN - CACHE_MIN_REMAINING_MS - 1);
    expect(await readCached(dir, KEY, clock)).toBeDefined();
    clock.set(T0 + 60 * MIN - CACHE_MIN_REMAINING_MS);
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
    expect(await readCached(dir, KEY, clock, 0)).toBeDefined();
  });

  it("gives undefined, never an error, for a missing, corrupt or directory entry", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${KEY}.json`), "{\"version\":1,\"accessKeyId\":", { mode: 0o600 });
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
    mkdirSync(join(dir, `${"b".repeat(64)}.json`));
    expect(await readCached(dir, "b".repeat(64), clock)).toBeUndefined();
  });

  it("does not hang on a FIFO in place of an entry", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const made = spawnSync("mkfifo", [join(dir, `${KEY}.json`)]);
    expect(made.status).toBe(0);
    expect(await readCached(dir, KEY, new ManualClock(T0))).toBeUndefined();
  });

  it("ignores an entry that others may write", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    await writeCached(dir, KEY, makeCredentials(1, T0 + 60 * MIN));
    chmodSync(join(dir, `${KEY}.json`), 0o666);
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
  });
});

describe("getOrCreate", () => {
  it("fetches and stores on a miss, then serves the entry without fetching", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    let fetches = 0;
    const fetch = async () => makeCredentials(++fetches, clock.now() + 60 * MIN);
    expect((await getOrCreate(dir, KEY, fetch, clock)).accessKeyId).toBe("ASIATEST00000001");
    expect((await getOrCreate(dir, KEY, fetch, clock)).accessKeyId).toBe("ASIATEST00000001");
    expect(fetches).toBe(1);
    clock.set(T0 + 45 * MIN);
    expect((await getOrCreate(dir, KEY, fetch, clock)).accessKeyId).toBe("ASIATEST00000002");
    expect(fetches).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([`${KEY}.json`]);
  });

  it("ignores a corrupt entry and replaces it", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, `${KEY}.json`), "\u0000garbage", { mode: 0o600 });
    const clock = new ManualClock(T0);
    const got = await getOrCreate(dir, KEY, async () => makeCredentials(3, T0 + 60 * MIN), clock);
    expect(got.accessKeyId).toBe("ASIATEST00000003");
    expect(parseCacheEntry(readFileSync(join(dir, `${KEY}.json`), "utf8"), KEY)?.accessKeyId).toBe("ASIATEST00000003");
  });

  it("passes a fetch error on and stores nothing", async () => {
    const dir = freshDir();
    const boom = new Error("CreateSession: AccessDeniedException: Untrusted Signing Certificate");
    await expect(getOrCreate(dir, KEY, () => Promise.reject(boom), new ManualClock(T0))).rejects.toBe(boom);
    expect(existsSync(join(dir, `${KEY}.json`))).toBe(false);
    expect(existsSync(join(dir, `${KEY}.lock`))).toBe(false);
  });

  it("still returns credentials when the cache directory cannot be made, with a warning", async () => {
    const base = join(root, `case-${++n}`);
    mkdirSync(base);
    writeFileSync(join(base, "file"), "not a directory");
    const warnings: string[] = [];
    const got = await getOrCreate(join(base, "file", "cache"), KEY, async () => makeCredentials(4, T0 + 60 * MIN), new ManualClock(T0), {
      onWarning: (m) => warnings.push(m),
    });
    expect(got.accessKeyId).toBe("ASIATEST00000004");
    expect(warnings).toEqual([`credential cache: directory ${join(base, "file", "cache")} unusable: ENOTDIR`]);
  });

  it("makes one fetch between 20 concurrent processes with the same key", async () => {
    const work = join(root, `case-${++n}`);
    mkdirSync(work);
    const url = bundleForChild("src/credentials/cache.ts", work);
    const script = join(work, "child.mjs");
    writeFileSync(
      script,
      `${BARRIER}
import { appendFileSync } from "node:fs";
const { getOrCreate } = await import(${JSON.stringify(url)});
const [dir, key, counter] = process.argv.slice(2);
const secret = (v) => ({ reveal: () => v });
const creds = await getOrCreate(dir, key, async () => {
  appendFileSync(counter, process.pid + "\\n");
  await new Promise((r) => setTimeout(r, 300));
  const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\\.\\d{3}Z$/, "Z");
  return { accessKeyId: "ASIA" + process.pid, secretAccessKey: secret("S"), sessionToken: secret("T"),
    expiration: new Date(exp), expirationRaw: exp, accountId: "123456789012", roleArn: "arn:aws:iam::123456789012:role/demo" };
}, { now: () => Date.now() });
process.stdout.write("key=" + creds.accessKeyId + "\\n");
`,
    );
    const dir = join(work, "cache");
    const counter = join(work, "fetches");
    const results = await runChildren(script, Array.from({ length: 20 }, () => [dir, KEY, counter]), join(work, "go"));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const fetchers = readFileSync(counter, "utf8").trim().split("\n");
    expect(fetchers).toHaveLength(1);
    const keys = new Set(results.map((r) => /key=(\S+)/.exec(r.stdout)?.[1]));
    expect([...keys]).toEqual([`ASIA${fetchers[0]}`]);
    expect(readdirSync(dir)).toEqual([`${KEY}.json`]);
  });
});

describe("credential cache: entries and directory others could touch", () => {
  it("refuses an entry renamed or copied to another key's name", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    const other = "b".repeat(64);
    await writeCached(dir, KEY, makeCredentials(11, T0 + 60 * MIN));
    writeFileSync(join(dir, `${other}.json`), readFileSync(join(dir, `${KEY}.json`)), { mode: 0o600 });
    expect((await readCached(dir, KEY, clock))?.accessKeyId).toBe("ASIATEST00000011");
    expect(await readCached(dir, other, clock)).toBeUndefined();
  });

  it("refuses an entry group or others may read, and replaces it with a 0600 one", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    await writeCached(dir, KEY, makeCredentials(12, T0 + 60 * MIN));
    const file = join(dir, `${KEY}.json`);
    chmodSync(file, 0o644);
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
    const creds = await getOrCreate(dir, KEY, async () => makeCredentials(13, T0 + 60 * MIN), clock);
    expect(creds.accessKeyId).toBe("ASIATEST00000013");
    expect(mode(file)).toBe(0o600);
    expect((await readCached(dir, KEY, clock))?.accessKeyId).toBe("ASIATEST00000013");
  });

  it("uses no entry of a directory others may write, and writes none there (with a warning)", async () => {
    const dir = freshDir();
    const clock = new ManualClock(T0);
    await writeCached(dir, KEY, makeCredentials(14, T0 + 60 * MIN));
    chmodSync(dir, 0o777);
    expect(await readCached(dir, KEY, clock)).toBeUndefined();
    const warnings: string[] = [];
    const creds = await getOrCreate(dir, KEY, async () => makeCredentials(15, T0 + 60 * MIN), clock, { onWarning: (m) => warnings.push(m) });
    expect(creds.accessKeyId).toBe("ASIATEST00000015");
    expect(warnings).toEqual([`credential cache: directory ${dir} is not this user's alone (owner uid ${process.getuid!()}, mode 0777); fetching without the cache`]);
    expect(readdirSync(dir)).toEqual([`${KEY}.json`]);
    expect(parseCacheEntry(readFileSync(join(dir, `${KEY}.json`), "utf8"), KEY)?.accessKeyId).toBe("ASIATEST00000014");
  });

  it("never stores credentials that expire within the margin or have expired", async () => {
    const clock = new ManualClock(T0);
    for (const [i, exp, why] of [
      [16, T0 + 10 * MIN, "within the cache's 15-minute margin"],
      [17, T0 - MIN, "already past"],
    ] as const) {
      const dir = freshDir();
      const warnings: string[] = [];
      const c = makeCredentials(i, exp);
      await getOrCreate(dir, KEY, async () => c, clock, { onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([`credential cache: not saved: the credentials expire at ${c.expirationRaw}, ${why}`]);
      expect(existsSync(join(dir, `${KEY}.json`))).toBe(false);
    }
  });
});
