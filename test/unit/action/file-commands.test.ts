import { describe, expect, it } from "vitest";
import { errorCommand, escapeCommandValue, fileCommandEntry, maskCommand } from "../../../src/action/file-commands.js";

describe("workflow commands", () => {
  it("escapes %, CR and LF so a value cannot start a second command", () => {
    expect(escapeCommandValue("50%\r\n::add-mask::x")).toBe("50%25%0D%0A::add-mask::x");
    expect(maskCommand("a/b+c==")).toBe("::add-mask::a/b+c==\n");
    expect(errorCommand("bad\ninput")).toBe("::error::bad%0Ainput\n");
  });
});

describe("file-command entries ($GITHUB_ENV, $GITHUB_OUTPUT)", () => {
  it("writes NAME<<DELIMITER, the value, and the delimiter, one per line", () => {
    expect(fileCommandEntry("AWS_REGION", "us-east-1", "ghadelimiter_1")).toBe("AWS_REGION<<ghadelimiter_1\nus-east-1\nghadelimiter_1\n");
  });

  it("refuses a value holding the delimiter, which would end the entry early", () => {
    expect(() => fileCommandEntry("X", "a\nD\nEVIL=1", "D")).toThrow(/contains the delimiter/);
  });

  it("refuses a name that is not a plain identifier", () => {
    expect(() => fileCommandEntry("A<<B", "v", "D")).toThrow(/not a valid/);
    expect(() => fileCommandEntry("", "v", "D")).toThrow(/not a valid/);
  });
});
