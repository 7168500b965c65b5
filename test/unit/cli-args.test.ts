import { describe, expect, it } from "vitest";
import { formatHelp, parseArgs, wrap, type FlagSpec } from "../../src/cli/args.js";
import { closest, editDistance } from "../../src/cli/suggest.js";
import { UsageError } from "../../src/errors.js";
import { unexpectedArgument } from "../../src/cli/unexpected-argument.js";

const specs: FlagSpec[] = [
  { name: "certificate", type: "string", describe: "" },
  { name: "session-duration", type: "number", describe: "", default: 3600 },
  { name: "no-verify-ssl", type: "boolean", describe: "" },
  { name: "format", type: "string", describe: "", choices: ["json", "text", "bin"], default: "json" },
];

describe("parseArgs", () => {
  it("reads --name value, --name=value and Go-style -name value", () => {
    const a = parseArgs(["--certificate", "c.pem", "--session-duration=900", "-no-verify-ssl"], specs);
    expect(a.flags).toMatchObject({ certificate: "c.pem", "session-duration": 900, "no-verify-ssl": true, format: "json" });
    expect([...a.given].sort()).toEqual(["certificate", "no-verify-ssl", "session-duration"]);
  });
  it("accepts '-' as a value (stdin)", () => {
    expect(parseArgs(["--certificate", "-"], specs).flags.certificate).toBe("-");
  });
  it("takes inline PEM text that follows a flag as its value, and still sees a missing value before a flag", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(parseArgs(["--certificate", pem, "--no-verify-ssl"], specs).flags.certificate).toBe(pem);
    expect(() => parseArgs(["--certificate", "--no-verify-ssl"], specs)).toThrow(/needs a value/);
    expect(parseArgs(["--certificate", "a", "stray"], specs).positionals).toEqual(["stray"]);
  });
  it("refuses unknown flags, missing values, bad numbers and bad choices with UsageError", () => {
    expect(() => parseArgs(["--nope"], specs)).toThrow(UsageError);
    expect(() => parseArgs(["--certificate"], specs)).toThrow(/needs a value/);
    expect(() => parseArgs(["--session-duration", "abc"], specs)).toThrow(/whole number/);
    expect(() => parseArgs(["--format", "xml"], specs)).toThrow(/one of json, text, bin/);
  });
  it("takes the last value of a flag given twice, as the official helper does, with a warning that shows no value", () => {
    const a = parseArgs(["--certificate", "secret-a", "--certificate", "secret-b"], specs);
    expect(a.flags.certificate).toBe("secret-b");
    expect(a.warnings).toEqual(["--certificate given more than once: the last value is used"]);
    expect(parseArgs(["--certificate", "a"], specs).warnings).toEqual([]);
  });
  it("suggests the closest flag for a typo, and nothing for a word far from every flag", () => {
    const hint = (argv: string[]) => {
      try {
        parseArgs(argv, specs);
      } catch (e) {
        return (e as UsageError).hint;
      }
      return undefined;
    };
    expect(hint(["--certifcate", "x"])).toMatch(/^did you mean --certificate\?/);
    expect(hint(["--sesion-duration", "9"])).toMatch(/did you mean --session-duration\?/);
    expect(hint(["--zzz"])).toBe("run with --help to list the flags");
  });
});

describe("unexpectedArgument", () => {
  it("names the stray word as a usage error", () => {
    const e = unexpectedArgument(["--certificate", "a", "b"], "b");
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe("unexpected argument 'b': commands take only flags (--name value)");
    expect(e.hint).toMatch(/one line/);
  });
  it("never shows a word that may be part of a password or PEM text", () => {
    expect(unexpectedArgument(["--pkcs8-password", "correct", "horse"], "horse").message).not.toContain("horse");
    expect(unexpectedArgument(["--pkcs8-password=correct", "horse"], "horse").message).not.toContain("horse");
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
    expect(unexpectedArgument(["--debug", pem], pem).message).toBe("unexpected argument (value not shown): commands take only flags (--name value)");
  });
});

describe("did you mean", () => {
  it("counts edits, with a swap of neighbours as one", () => {
    expect(editDistance("serve", "serve")).toBe(0);
    expect(editDistance("sevre", "serve")).toBe(1);
    expect(editDistance("updat", "update")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
  it("suggests a close name or the one name an abbreviation starts, never a far one", () => {
    const cmds = ["credential-process", "serve", "update", "doctor", "sign-string"];
    expect(closest("credntial-process", cmds)).toBe("credential-process");
    expect(closest("srve", cmds)).toBe("serve");
    expect(closest("cred", cmds)).toBe("credential-process");
    expect(closest("s", cmds)).toBeUndefined();
    expect(closest("kubernetes", cmds)).toBeUndefined();
  });
});

describe("help text", () => {
  it("wraps at the width, keeps long words whole", () => {
    expect(wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrap("a-very-long-word x", 5)).toEqual(["a-very-long-word", "x"]);
  });
  it("fits every line in the width unless one word is longer, with examples and environment", () => {
    const long: FlagSpec[] = [{ name: "trust-anchor-arn", type: "string", describe: "ARN of the trust anchor used to authenticate ".repeat(3) }];
    for (const width of [40, 80, 132]) {
      const text = formatHelp("signing-helper serve [flags]", "Serve credentials.", long, width, {
        examples: ["signing-helper serve --certificate cert.pem --private-key key.pem"],
        env: ["AWS_REGION: the signing region when no flag gives one"],
      });
      for (const line of text.trimEnd().split("\n")) {
        if (!line.trim().includes(" ")) continue;
        expect(line.length, line).toBeLessThanOrEqual(width);
      }
      expect(text).toMatch(/\nexamples:\n {2}signing-helper serve/);
      expect(text).toMatch(/\nenvironment:\n {2}AWS_REGION +the signing region/);
    }
  });
});
