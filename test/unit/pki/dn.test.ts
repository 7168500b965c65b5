import { describe, expect, it } from "vitest";
import { formatDn, parseDn } from "../../../src/pki/dn.js";
import { ConfigError } from "../../../src/errors.js";

describe("dn", () => {
  it("encodes an RFC 4514 string with its last RDN first", () => {
    const name = parseDn("CN=TEST CLIENT,OU=Unit,O=Example,C=US");
    expect(name.toJSON()).toEqual([{ C: ["US"] }, { O: ["Example"] }, { OU: ["Unit"] }, { CN: ["TEST CLIENT"] }]);
  });
  it("prints a name back most specific first with no spaces, so the string round-trips", () => {
    const text = "CN=TEST CLIENT,OU=a+OU=b,O=Example\\, Inc.,C=US";
    expect(formatDn(parseDn(text))).toBe(text);
  });
  it("makes an empty name from an empty string", () => {
    expect(parseDn("").toJSON()).toEqual([]);
    expect(formatDn(parseDn(""))).toBe("");
  });
  it("refuses text that is not a DN, and unknown attribute types, with ConfigError", () => {
    expect(() => parseDn("just words")).toThrow(ConfigError);
    expect(() => parseDn("CN=x,NOPE=y")).toThrow(/certificate subject cannot be parsed: 'CN=x,NOPE=y'/);
  });
});
