import { describe, expect, it } from "vitest";
import { parseArgs, type FlagSpec } from "../../src/cli/args.js";
import { UsageError } from "../../src/errors.js";

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
  it("refuses unknown flags, missing values, bad numbers and bad choices with UsageError", () => {
    expect(() => parseArgs(["--nope"], specs)).toThrow(UsageError);
    expect(() => parseArgs(["--certificate"], specs)).toThrow(/needs a value/);
    expect(() => parseArgs(["--session-duration", "abc"], specs)).toThrow(/whole number/);
    expect(() => parseArgs(["--format", "xml"], specs)).toThrow(/one of json, text, bin/);
    expect(() => parseArgs(["--certificate", "a", "--certificate", "b"], specs)).toThrow(/twice/);
  });
});
