import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtomicTempFor, writeFileAtomic } from "../../../src/credentials/atomic-write.js";

let dir: string;
let n = 0;
const fresh = () => {
  const d = join(dir, `case-${++n}`);
  mkdirSync(d);
  return d;
};
const mode = (p: string) => statSync(p).mode & 0o777;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "atomic-write-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes the content with mode 0600 and leaves no temporary file", async () => {
    const d = fresh();
    const target = join(d, "credentials");
    await writeFileAtomic(target, "[default]\naws_access_key_id = A\n");
    expect(readFileSync(target, "utf8")).toBe("[default]\naws_access_key_id = A\n");
    expect(mode(target)).toBe(0o600);
    expect(readdirSync(d)).toEqual(["credentials"]);
  });

  it("creates a missing parent directory with mode 0700, whatever the umask", async () => {
    const d = fresh();
    const target = join(d, ".aws", "credentials");
    const old = process.umask(0o000);
    try {
      await writeFileAtomic(target, Buffer.from("x"));
    } finally {
      process.umask(old);
    }
    expect(mode(join(d, ".aws"))).toBe(0o700);
    expect(mode(target)).toBe(0o600);
  });

  it("leaves the mode of an existing directory alone", async () => {
    const d = fresh();
    const sub = join(d, "shared");
    mkdirSync(sub, { mode: 0o755 });
    await writeFileAtomic(join(sub, "f"), "x");
    expect(mode(sub)).toBe(0o755);
  });

  it("replaces an existing file whole and gives it the requested mode", async () => {
    const d = fresh();
    const target = join(d, "f");
    writeFileSync(target, "old content that is longer than the new one", { mode: 0o644 });
    await writeFileAtomic(target, "new");
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(mode(target)).toBe(0o600);
    await writeFileAtomic(target, "public", { mode: 0o644 });
    expect(mode(target)).toBe(0o644);
  });

  it("on failure throws IO, keeps the old target and removes its temporary file", async () => {
    const d = fresh();
    const target = join(d, "is-a-dir");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "keep");
    const err = await writeFileAtomic(target, "data").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "IO", message: expect.stringMatching(new RegExp(`^writing ${target}: E[A-Z]+$`)) });
    expect(readdirSync(d)).toEqual(["is-a-dir"]);
    expect(readFileSync(join(target, "inside"), "utf8")).toBe("keep");
  });

  it("names its temporary files so that leftovers can be recognised", () => {
    expect(isAtomicTempFor("/x/credentials", ".credentials.0123456789ab.tmp")).toBe(true);
    expect(isAtomicTempFor("/x/credentials", ".credentials.tmp")).toBe(false);
    expect(isAtomicTempFor("/x/credentials", ".config.0123456789ab.tmp")).toBe(false);
    expect(isAtomicTempFor("/x/credentials", "credentials")).toBe(false);
  });
});
