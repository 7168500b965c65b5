import { describe, expect, it } from "vitest";
import { stsError, xmlEscape } from "../../../src/emulator/sts/xml.js";

describe("STS XML", () => {
  it("escapes markup and replaces characters XML cannot carry", () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    expect(xmlEscape("a\u0001b\uD800c")).toBe("a\uFFFDb\uFFFDc");
    expect(xmlEscape("😀\tok\n")).toBe("😀\tok\n");
  });

  it("writes errors as ErrorResponse › Error › Type, Code, Message, then RequestId", () => {
    expect(stsError("InvalidAction", "Could not find operation <x> for version 2011-06-15", "rid")).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
      "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidAction</Code>\n" +
      "    <Message>Could not find operation &lt;x&gt; for version 2011-06-15</Message>\n  </Error>\n" +
      "  <RequestId>rid</RequestId>\n</ErrorResponse>\n");
  });
});
