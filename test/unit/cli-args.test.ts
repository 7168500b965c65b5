import { describe, expect, it } from "vitest";
import { parseArgs, type FlagSpec } from "../../src/cli/args.js";
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
    expect(() => parseArgs(["--certificate", "a", "--certificate", "b"], specs)).toThrow(/twice/);
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
