import { describe, expect, it } from "vitest";
import {
  canonicalQuery, canonicalRequest, canonicalUri, hmacHex, sha256Hex, signingKey, stringToSign,
} from "../../../src/emulator/sts/sigv4-canonical.js";

// The worked example of the AWS SigV4 documentation (IAM ListUsers, 2015-08-30,
// the documentation's example secret key): an outside reference for every step.
const DOC_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const DOC_CANONICAL = [
  "GET",
  "/",
  "Action=ListUsers&Version=2010-05-08",
  "content-type:application/x-www-form-urlencoded; charset=utf-8",
  "host:iam.amazonaws.com",
  "x-amz-date:20150830T123600Z",
  "",
  "content-type;host;x-amz-date",
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
].join("\n");

describe("STS SigV4 canonicalization (emulator's own)", () => {
  it("reproduces the AWS documentation's canonical request, string to sign, signing key and signature", () => {
    const canonical = canonicalRequest({
      method: "GET",
      wirePath: "/",
      rawQuery: "Version=2010-05-08&Action=ListUsers",
      headers: {
        host: ["iam.amazonaws.com"],
        "content-type": ["application/x-www-form-urlencoded; charset=utf-8"],
        "x-amz-date": ["20150830T123600Z"],
      },
      signedHeaders: ["content-type", "host", "x-amz-date"],
      payloadHash: sha256Hex(""),
      presigned: false,
    });
    expect(canonical).toBe(DOC_CANONICAL);
    expect(sha256Hex(canonical)).toBe("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    const key = signingKey(DOC_SECRET, "20150830", "us-east-1", "iam");
    expect(key.toString("hex")).toBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    const sts = stringToSign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", canonical);
    expect(hmacHex(key, sts)).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });

  it("sorts query parameters by name then value, re-encodes per RFC 3986, drops X-Amz-Signature when presigned", () => {
    expect(canonicalQuery("b=2&a=z&a=y&c=%7e%20x*&d", false)).toBe("a=y&a=z&b=2&c=~%20x%2A&d=");
    expect(canonicalQuery("X-Amz-Signature=abc&A=1", true)).toBe("A=1");
    expect(canonicalQuery("X-Amz-Signature=abc&A=1", false)).toBe("A=1&X-Amz-Signature=abc");
  });

  it("normalizes the path and encodes each segment once more", () => {
    expect(canonicalUri("/")).toBe("/");
    expect(canonicalUri("")).toBe("/");
    expect(canonicalUri("/a/./b/../c//d/")).toBe("/a/c/d/");
    expect(canonicalUri("/a%20b")).toBe("/a%2520b");
  });

  it("joins repeated header values with commas and collapses inner spaces", () => {
    const canonical = canonicalRequest({
      method: "post", wirePath: "/", rawQuery: "",
      headers: { host: ["h"], "x-multi": [" a  b ", "c"] },
      signedHeaders: ["host", "x-multi"], payloadHash: "p", presigned: false,
    });
    expect(canonical).toBe("POST\n/\n\nhost:h\nx-multi:a b,c\n\nhost;x-multi\np");
  });
});
