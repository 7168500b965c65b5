import { describe, expect, it } from "vitest";
import { getCanonicalHeaders, getCanonicalQuery } from "@smithy/signature-v4";
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  encodeRfc3986,
  signedHeadersList,
  trimAll,
} from "../../../src/signer/canonical-request.js";
import { sha256Hex } from "../../../src/signer/hash.js";

// protocol.md §1.7, typed from the spec (not computed by our code).
const EXAMPLE_QUERY = {
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555",
  roleArn: "arn:aws:iam::123456789012:role/ExampleRole",
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/66666666-7777-8888-9999-000000000000",
};
const EXAMPLE_HEADERS = {
  "Content-Type": "application/json",
  Host: "rolesanywhere.us-east-1.amazonaws.com",
  "X-Amz-Date": "20240706T143004Z",
  "X-Amz-X509": "MIIBEXAMPLE=",
};
const EXAMPLE_CANONICAL = [
  "POST",
  "/sessions",
  "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2F11111111-2222-3333-4444-555555555555&roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FExampleRole&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2F66666666-7777-8888-9999-000000000000",
  "content-type:application/json",
  "host:rolesanywhere.us-east-1.amazonaws.com",
  "x-amz-date:20240706T143004Z",
  "x-amz-x509:MIIBEXAMPLE=",
  "",
  "content-type;host;x-amz-date;x-amz-x509",
  "1a15f67f6619aa540b13e9a4c37d149fb2c9bdea25d82b73a3878826694dfe27",
].join("\n");

describe("canonicalRequest", () => {
  it("reproduces the worked example of protocol.md §1.7 byte for byte", () => {
    const text = canonicalRequest({
      method: "POST",
      path: "/sessions",
      query: EXAMPLE_QUERY,
      headers: EXAMPLE_HEADERS,
      body: '{"durationSeconds":3600}',
    });
    expect(text).toBe(EXAMPLE_CANONICAL);
    expect(sha256Hex(text)).toBe("c8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2");
  });

  it("hashes an empty body to the SHA-256 of nothing", () => {
    const text = canonicalRequest({ method: "GET", path: "/", query: {}, headers: { host: "h" }, body: "" });
    expect(text).toBe("GET\n/\n\nhost:h\n\nhost\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("hashes a byte body exactly like the same text", () => {
    const a = canonicalRequest({ method: "POST", path: "/sessions", query: {}, headers: { host: "h" }, body: "{}" });
    const b = canonicalRequest({ method: "POST", path: "/sessions", query: {}, headers: { host: "h" }, body: Buffer.from("{}") });
    expect(a).toBe(b);
  });
});

describe("encodeRfc3986", () => {
  it("keeps only unreserved characters and uppercases the hex", () => {
    expect(encodeRfc3986("AZaz09-._~")).toBe("AZaz09-._~");
    expect(encodeRfc3986("a b+c=d&e/f:g")).toBe("a%20b%2Bc%3Dd%26e%2Ff%3Ag");
    expect(encodeRfc3986("!'()*")).toBe("%21%27%28%29%2A");
    expect(encodeRfc3986("é€😀")).toBe("%C3%A9%E2%82%AC%F0%9F%98%80");
  });
});

describe("canonicalQueryString", () => {
  it("sorts by encoded name in code-point order (uppercase before lowercase)", () => {
    expect(canonicalQueryString({ b: "1", a: "2", B: "3", "~x": "4", "%": "5" })).toBe("%25=5&B=3&a=2&b=1&~x=4");
  });
  it("sorts repeated names by value when given as pairs", () => {
    expect(canonicalQueryString([["k", "b"], ["k", "a c"], ["j", ""]])).toBe("j=&k=a%20c&k=b");
  });
  it("is empty for no parameters", () => {
    expect(canonicalQueryString({})).toBe("");
  });
  const samples: Record<string, string>[] = [
    EXAMPLE_QUERY,
    { Zeta: "a b", alpha: "x=y&z", Alpha: "~._-!*'()", ü: "café €", empty: "" },
    { "a b": "c d", "x=": "=", "/": "/", "%41": "%41" },
  ];
  it.each(samples.map((q, i) => [i, q] as const))("agrees with @smithy/signature-v4 getCanonicalQuery (sample %i)", (_i, q) => {
    expect(canonicalQueryString(q)).toBe(getCanonicalQuery({ query: q } as never));
  });
});

describe("canonicalHeaders", () => {
  it("lowercases and sorts names, trims values, ends every line with a newline", () => {
    expect(canonicalHeaders({ "X-B": " 2 ", "x-a": "1", Host: "h:443" })).toBe("host:h:443\nx-a:1\nx-b:2\n");
    expect(signedHeadersList({ "X-B": " 2 ", "x-a": "1", Host: "h:443" })).toBe("host;x-a;x-b");
  });
  it("joins values of names that differ only in case with a comma", () => {
    expect(canonicalHeaders({ "X-A": "1", "x-a": " 2" })).toBe("x-a:1,2\n");
    expect(signedHeadersList({ "X-A": "1", "x-a": "2" })).toBe("x-a");
  });
  const samples: Record<string, string>[] = [
    EXAMPLE_HEADERS,
    { "X-Custom": "  lots   of\tspace  ", "content-type": "text/plain", host: "localhost" },
    { a: "\tx\t\ty ", B: "multi\r\nline", c: "" },
  ];
  it.each(samples.map((h, i) => [i, h] as const))("agrees with @smithy/signature-v4 getCanonicalHeaders (sample %i)", (_i, h) => {
    const smithy = getCanonicalHeaders({ headers: h } as never);
    const expected = Object.keys(smithy).sort().map((k) => `${k}:${smithy[k]}\n`).join("");
    expect(canonicalHeaders(h)).toBe(expected);
  });
});

describe("trimAll", () => {
  it("trims the ends and collapses inner runs of spaces and tabs", () => {
    expect(trimAll("  a   b\t\tc  ")).toBe("a b c");
    expect(trimAll("a\r\nb")).toBe("a b");
    expect(trimAll("")).toBe("");
  });
});
