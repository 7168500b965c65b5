import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { dominantEol, parseIni, patchProfile, readProfiles, serializeIni } from "../../../src/credentials/ini.js";

const NEW = { aws_access_key_id: "ASIANEW", aws_secret_access_key: "secretNEW", aws_session_token: "tokenNEW" };

const GNARLY =
  "\uFEFF# top comment\r\n" +
  "; another comment\n" +
  "\n" +
  "[default]\r\n" +
  "aws_access_key_id = OLDKEY\r\n" +
  "# a comment line inside\r\n" +
  "AWS_Secret_Access_Key=OLDSECRET\r\n" +
  "region = us-east-1\r\n" +
  "unknown_key = keep me = really\n" +
  "\n" +
  "[other]\n" +
  "aws_access_key_id = OTHER\n" +
  "   indented = yes\n" +
  "garbage line without equals\n" +
  "[__proto__]\n" +
  "constructor = x\n" +
  "__proto__ = y\n" +
  "\n" +
  "[default]\n" +
  "aws_access_key_id = DUPLICATE\n" +
  "[last] ; trailing comment\n" +
  "aws_session_token=  spaced\ttabs\t";

const patch = (text: string, profile = "default") => serializeIni(patchProfile(parseIni(text), profile, NEW).doc);

describe("parseIni / serializeIni", () => {
  it("gives a gnarly file back byte for byte", () => {
    expect(serializeIni(parseIni(GNARLY))).toBe(GNARLY);
  });

  it("round-trips edge cases: empty, lone newline, CR inside a line, no trailing newline", () => {
    for (const t of ["", "\n", "\r\n", "a", "[x]", "a=b\rc\n", "\n\n\n", "k = v\r\n\r\n", "\uFEFF", "x\r"]) {
      expect(serializeIni(parseIni(t))).toBe(t);
    }
  });

  it("classifies sections, entries, comments and blank lines", () => {
    const doc = parseIni(GNARLY);
    expect(doc.bom).toBe(true);
    expect(doc.lines.map((l) => l.kind)).toEqual([
      "comment", "comment", "blank", "section", "entry", "comment", "entry", "entry", "entry", "blank",
      "section", "entry", "continuation", "other", "section", "entry", "entry", "blank", "section", "entry", "section", "entry",
    ]);
    expect(doc.lines.map((l) => l.eol).slice(0, 5)).toEqual(["\r\n", "\n", "\n", "\r\n", "\r\n"]);
    expect(doc.lines.at(-1)!.eol).toBe("");
    expect(doc.lines[20]).toMatchObject({ kind: "section", name: "last" });
    expect(doc.lines[8]).toMatchObject({ key: "unknown_key", value: "keep me = really" });
  });

  it("reads profiles into Maps: first section wins, keys lowercased, __proto__ is plain data", () => {
    const profiles = readProfiles(parseIni(GNARLY));
    expect([...profiles.keys()]).toEqual(["default", "other", "__proto__", "last"]);
    expect(profiles.get("default")!.get("aws_access_key_id")).toBe("OLDKEY");
    expect(profiles.get("default")!.get("aws_secret_access_key")).toBe("OLDSECRET");
    expect(profiles.get("__proto__")!.get("__proto__")).toBe("y");
    expect(profiles.get("last")!.get("aws_session_token")).toBe("spaced\ttabs");
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it("finds the dominant line terminator", () => {
    expect(dominantEol(parseIni("a\r\nb\r\nc\n"))).toBe("\r\n");
    expect(dominantEol(parseIni("a\r\nb\n"))).toBe("\n");
    expect(dominantEol(parseIni(""))).toBe("\n");
  });
});

describe("patchProfile", () => {
  it("recognises a section header followed by spaces or a tab and a comment", () => {
    for (const gap of ["   ", "\t", "  \t "]) {
      const doc = parseIni(`[a]\nx = 1\n[zzz]${gap}# note\nk = v\n`);
      const r = patchProfile(doc, "zzz", NEW);
      expect(r.createdSection).toBe(false);
      const out = serializeIni(r.doc);
      expect(out.startsWith(`[a]\nx = 1\n[zzz]${gap}# note\nk = v\n`)).toBe(true);
      expect(out.match(/\[zzz\]/g)).toHaveLength(1);
    }
  });
  it("replaces the keys in place in the first [default] and changes nothing else", () => {
    const r = patchProfile(parseIni(GNARLY), "default", NEW);
    expect(r).toMatchObject({ replaced: ["aws_access_key_id", "aws_secret_access_key"], added: ["aws_session_token"], createdSection: false });
    expect(serializeIni(r.doc)).toBe(
      "\uFEFF# top comment\r\n" +
        "; another comment\n" +
        "\n" +
        "[default]\r\n" +
        "aws_access_key_id = ASIANEW\r\n" +
        "# a comment line inside\r\n" +
        "AWS_Secret_Access_Key=secretNEW\r\n" +
        "region = us-east-1\r\n" +
        "unknown_key = keep me = really\n" +
        "aws_session_token = tokenNEW\n" +
        "\n" +
        GNARLY.slice(GNARLY.indexOf("[other]")),
    );
  });

  it("leaves the input document untouched (pure)", () => {
    const doc = parseIni(GNARLY);
    patchProfile(doc, "default", NEW);
    expect(serializeIni(doc)).toBe(GNARLY);
  });

  it("patches a profile that is not the first, with the file's newline style", () => {
    const text = "[a]\r\nx = 1\r\n\r\n# about b\r\n[b]\r\nregion = eu-west-1\r\n\r\n[c]\r\ny = 2\r\n";
    expect(patch(text, "b")).toBe(
      "[a]\r\nx = 1\r\n\r\n# about b\r\n[b]\r\nregion = eu-west-1\r\n" +
        "aws_access_key_id = ASIANEW\r\naws_secret_access_key = secretNEW\r\naws_session_token = tokenNEW\r\n" +
        "\r\n[c]\r\ny = 2\r\n",
    );
  });

  it("puts new keys before the blank lines and comments that introduce the next section", () => {
    expect(patch("[default]\nregion = x\n\n# the next one\n[next]\n")).toBe(
      "[default]\nregion = x\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n\n# the next one\n[next]\n",
    );
  });

  it("fills an empty section right after its header", () => {
    expect(patch("[default]\n[b]\n")).toBe(
      "[default]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n[b]\n",
    );
  });

  it("keeps a missing final newline when the section runs to the end of the file", () => {
    expect(patch("[default]\naws_access_key_id=old")).toBe(
      "[default]\naws_access_key_id=ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW",
    );
    expect(patch("[default]\naws_session_token = old")).toBe(
      "[default]\naws_session_token = tokenNEW\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW",
    );
    expect(patch("[default]\n\n")).toBe(
      "[default]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n\n",
    );
  });

  it("replaces every occurrence of a key in the section, keeping spacing and position", () => {
    expect(patch("[default]\naws_access_key_id   =   a\naws_access_key_id=b\naws_secret_access_key =\naws_session_token = t\n")).toBe(
      "[default]\naws_access_key_id   =   ASIANEW\naws_access_key_id=ASIANEW\naws_secret_access_key =secretNEW\naws_session_token = tokenNEW\n",
    );
  });

  it("reads `key: value` entries as botocore does and replaces them in place (no second `=` line)", () => {
    expect(patch("[default]\naws_access_key_id: OLD\naws_secret_access_key :OLD\naws_session_token:OLD\nregion: us-east-1\n")).toBe(
      "[default]\naws_access_key_id: ASIANEW\naws_secret_access_key :secretNEW\naws_session_token:tokenNEW\nregion: us-east-1\n",
    );
    // The key ends at the first '=' or ':', whichever comes first.
    expect(parseIni("a:b = c\nx = y:z\n").lines).toMatchObject([
      { kind: "entry", key: "a", value: "b = c" },
      { kind: "entry", key: "x", value: "y:z" },
    ]);
  });

  it("treats lines indented deeper than an entry as its value's continuation, and drops them with the old value", () => {
    const text = "[default]\naws_session_token = OLDPART1\n  OLDPART2\n\n\tOLDPART3\n# note\nregion = us-east-1\n  continued-region\n";
    const doc = parseIni(text);
    expect(doc.lines.map((l) => l.kind)).toEqual(["section", "entry", "continuation", "blank", "continuation", "comment", "entry", "continuation"]);
    expect(readProfiles(doc).get("default")!.get("aws_session_token")).toBe("OLDPART1\nOLDPART2\nOLDPART3");
    expect(patch(text)).toBe(
      "[default]\naws_session_token = tokenNEW\n\n# note\nregion = us-east-1\n  continued-region\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\n",
    );
    // Indented entries: only deeper lines continue; new keys go after the last entry's continuation.
    expect(patch("[p]\n  region = x\n    more\n  aws_session_token = T\n", "p")).toBe(
      "[p]\n  region = x\n    more\n  aws_session_token = tokenNEW\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\n",
    );
    // A continuation at the very end without a newline: the kept last line keeps ending without one.
    expect(patch("[default]\naws_session_token = OLD\n  tail")).toBe("[default]\naws_session_token = tokenNEW\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW");
  });

  it("touches only the first of duplicate sections", () => {
    const text = "[p]\naws_access_key_id = 1\n[p]\naws_access_key_id = 2\n";
    expect(patch(text, "p")).toBe(
      "[p]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n[p]\naws_access_key_id = 2\n",
    );
  });

  it("does not take a commented header or a longer name for the profile", () => {
    const text = "# [default]\n[default-2]\nk = v\n";
    expect(patch(text)).toBe(
      "# [default]\n[default-2]\nk = v\n\n[default]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n",
    );
  });

  it("appends a missing section after one blank line, ending the last line first", () => {
    expect(patch("[a]\nk = v\n\n", "new")).toBe(
      "[a]\nk = v\n\n[new]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n",
    );
    expect(patch("[a]\r\nk = v", "new")).toBe(
      "[a]\r\nk = v\r\n\r\n[new]\r\naws_access_key_id = ASIANEW\r\naws_secret_access_key = secretNEW\r\naws_session_token = tokenNEW",
    );
  });

  it("writes a new file with only the section", () => {
    const r = patchProfile(parseIni(""), "default", NEW);
    expect(r).toMatchObject({ createdSection: true, replaced: [], added: ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] });
    expect(serializeIni(r.doc)).toBe(
      "[default]\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n",
    );
  });

  it("keeps the BOM", () => {
    expect(patch("\uFEFF[default]\n").startsWith("\uFEFF[default]\naws_access_key_id = ASIANEW\n")).toBe(true);
  });

  it("handles a section named __proto__ like any other", () => {
    expect(patch("[__proto__]\nconstructor = 1\n", "__proto__")).toBe(
      "[__proto__]\nconstructor = 1\naws_access_key_id = ASIANEW\naws_secret_access_key = secretNEW\naws_session_token = tokenNEW\n",
    );
    expect(({} as Record<string, unknown>).aws_access_key_id).toBeUndefined();
  });

  it("refuses profile names and values that would break the file", () => {
    for (const bad of ["", "a]b", "[x", "a\nb", " padded"]) {
      expect(() => patchProfile(parseIni(""), bad, NEW)).toThrow(ConfigError);
    }
    expect(() => patchProfile(parseIni(""), "", NEW)).toThrow(/^profile name "": not usable as a credentials file section$/);
    expect(() => patchProfile(parseIni(""), "p", { ...NEW, aws_session_token: "a\r\n[evil]" })).toThrow(
      "credentials for the file: aws_session_token is empty or holds a line break or surrounding spaces",
    );
  });

  it("never puts a secret in its errors", () => {
    const err = (() => {
      try {
        patchProfile(parseIni(""), "p", { ...NEW, aws_secret_access_key: "topsecret\n" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).not.toContain("topsecret");
  });
});

const hasBotocore = spawnSync("python3", ["-c", "import botocore.configloader"], { stdio: "ignore" }).status === 0;

/** botocore's reading of each file: raw_config_parse, or the error it raises. */
function botocoreRead(paths: string[]): ({ ok: Record<string, Record<string, unknown>> } | { error: string })[] {
  const script = [
    "import json, sys, botocore.configloader as c",
    "out = []",
    "for p in sys.argv[1:]:",
    "    try: out.append({'ok': c.raw_config_parse(p)})",
    "    except Exception as e: out.append({'error': type(e).__name__ + ': ' + str(e)})",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script, ...paths], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof botocoreRead>;
}

describe("patchProfile output read by botocore's own parser", () => {
  const inputs: [string, string, string][] = [
    ["colon form", "default", "[default]\naws_access_key_id: OLD\naws_secret_access_key: OLD\naws_session_token: OLD\nregion: eu-west-1\n"],
    ["mixed separators and spacing", "default", "[default]\naws_access_key_id=OLD\naws_secret_access_key :  OLD\n"],
    ["token continued on indented lines", "default", "[default]\naws_access_key_id = OLD\naws_session_token = OLD1\n  OLD2\n\n\tOLD3\nregion = us-east-1\n"],
    ["indented entries with continuations", "ci", "[ci]\n  region = x\n    still-region\n  aws_session_token = T\n    T2\n[next]\nk = v\n"],
    ["another profile with a subsection", "ra", "[other]\ns3 =\n  addressing_style = path\n[ra]\naws_access_key_id = OLD\n"],
    ["CRLF, comments, no final newline", "dev", "# c\r\n[prod]\r\naws_access_key_id = P\r\n\r\n; x\r\n[dev]\r\naws_access_key_id = OLD"],
    ["header with a trailing comment", "x", "[x] ; note\naws_access_key_id = OLD\n[y]\nk = v\n"],
    ["empty file", "default", ""],
    ["missing section", "new", "[a]\nk = v\n  cont\n"],
    ["empty values", "default", "[default]\naws_access_key_id =\naws_secret_access_key:\n"],
  ];

  it.skipIf(!hasBotocore)("parses every patched file, with exactly the new credentials and every other value as before (needs python3 with botocore)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ini-botocore-"));
    try {
      const paths: string[] = [];
      for (const [i, [, , text]] of inputs.entries()) {
        const before = join(dir, `before-${i}`);
        const after = join(dir, `after-${i}`);
        writeFileSync(before, text);
        writeFileSync(after, patch(text, inputs[i]![1]));
        paths.push(before, after);
      }
      const read = botocoreRead(paths);
      for (const [i, [name, profile]] of inputs.entries()) {
        const before = read[2 * i]!;
        const after = read[2 * i + 1]!;
        expect(before, `${name}: input`).toHaveProperty("ok");
        expect(after, `${name}: ${JSON.stringify(after)}`).toHaveProperty("ok");
        if (!("ok" in before) || !("ok" in after)) continue;
        const { [profile]: was = {}, ...othersBefore } = before.ok;
        const { [profile]: now, ...othersAfter } = after.ok;
        expect(now, name).toEqual({ ...was, ...NEW });
        expect(othersAfter, name).toEqual(othersBefore);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
