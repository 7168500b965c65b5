import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FilesExistError, prepareToWrite, writeFilesAtomically } from "../../../src/pki/write-files.js";

const files = [
  { name: "a-cert.pem", contents: "CERT\n", secret: false },
  { name: "a-key.pem", contents: "KEY\n", secret: true },
];
const mode = (p: string) => statSync(p).mode & 0o777;

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "pki-write-"));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe("writeFilesAtomically", () => {
  it("creates a missing directory with mode 0700 and writes keys 0600, certificates 0644", () => {
    const dir = join(base, "new", "out");
    const written = writeFilesAtomically(dir, files, { overwrite: false });
    expect(written).toEqual([join(dir, "a-cert.pem"), join(dir, "a-key.pem")]);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "a-key.pem"))).toBe(0o600);
    expect(mode(join(dir, "a-cert.pem")) & 0o600).toBe(0o600);
    expect(mode(join(dir, "a-cert.pem")) & 0o022).toBe(0);
    expect(readFileSync(join(dir, "a-key.pem"), "utf8")).toBe("KEY\n");
  });

  it("leaves no temporary files behind", () => {
    writeFilesAtomically(base, files, { overwrite: false });
    expect(readdirSync(base).sort()).toEqual(["a-cert.pem", "a-key.pem"]);
  });

  it("refuses to overwrite, names the existing files, and writes nothing", () => {
    writeFileSync(join(base, "a-key.pem"), "OLD\n");
    let err: unknown;
    try {
      writeFilesAtomically(base, files, { overwrite: false, existsHint: "pass --force" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilesExistError);
    expect((err as FilesExistError).message).toBe(`refusing to overwrite an existing file in ${base}: a-key.pem`);
    expect((err as FilesExistError).hint).toBe("pass --force");
    expect((err as FilesExistError).code).toBe("IO");
    expect(readdirSync(base)).toEqual(["a-key.pem"]);
    expect(readFileSync(join(base, "a-key.pem"), "utf8")).toBe("OLD\n");
  });

  it("replaces existing files when overwrite is set, giving a replaced key mode 0600", () => {
    writeFileSync(join(base, "a-key.pem"), "OLD\n", { mode: 0o644 });
    writeFilesAtomically(base, files, { overwrite: true });
    expect(readFileSync(join(base, "a-key.pem"), "utf8")).toBe("KEY\n");
    expect(mode(join(base, "a-key.pem"))).toBe(0o600);
  });

  it("refuses a directory path that is a file", () => {
    const file = join(base, "plain");
    writeFileSync(file, "x");
    expect(() => writeFilesAtomically(file, files, { overwrite: true })).toThrow(
      expect.objectContaining({
        code: "IO",
        message: `cannot use the output directory ${file}: it exists and is not a directory`,
        hint: "choose another output directory",
      }),
    );
  });

  it("reports a directory below a file as an IO error", () => {
    const file = join(base, "plain");
    writeFileSync(file, "x");
    expect(() => writeFilesAtomically(join(file, "sub"), files, { overwrite: false })).toThrow(
      expect.objectContaining({ code: "IO", message: expect.stringMatching(/^cannot (use|create) the output directory .*: a parent is not a directory$/) }),
    );
  });
});

describe("prepareToWrite", () => {
  it("lists every existing file in one error", () => {
    for (const f of files) writeFileSync(join(base, f.name), "x");
    expect(() => prepareToWrite(base, files.map((f) => f.name), { overwrite: false })).toThrow(
      `refusing to overwrite 2 existing files in ${base}: a-cert.pem, a-key.pem`,
    );
  });
});
