import { createPrivateKey, createPublicKey } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  canonicalHeaderValue,
  canonicalQueryString,
  canonicalRequest,
  groupRawHeaders,
  parseAmzDate,
  parseAuthorization,
  sha256Hex,
  stringToSign,
  verifyX509Signature,
  verifyX509SignatureAsync,
  type ParsedAuthorization,
  type X509Algorithm,
} from "../../../src/emulator/sigv4x509-verify.js";

const VECTORS = new URL("../../../fixtures/sigv4x509/", import.meta.url);

describe("server canonicalization (emulator)", () => {
  it("reproduces the worked example of protocol.md §1.7", () => {
    const query =
      "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2F11111111-2222-3333-4444-555555555555" +
      "&roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FExampleRole" +
      "&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2F66666666-7777-8888-9999-000000000000";
    const headers = groupRawHeaders([
      "Content-Type",
      "application/json",
      "Host",
      "rolesanywhere.us-east-1.amazonaws.com",
      "X-Amz-Date",
      "20240706T143004Z",
      "X-Amz-X509",
      "MIIBEXAMPLE=",
      "User-Agent",
      "not signed",
    ]);
    const creq = canonicalRequest({
      method: "POST",
      path: "/sessions",
      canonicalQuery: canonicalQueryString(query)!,
      headers,
      signedHeaders: ["content-type", "host", "x-amz-date", "x-amz-x509"],
      payloadHash: sha256Hex('{"durationSeconds":3600}'),
    });
    expect(creq).toBe(
      [
        "POST",
        "/sessions",
        query,
        "content-type:application/json",
        "host:rolesanywhere.us-east-1.amazonaws.com",
        "x-amz-date:20240706T143004Z",
        "x-amz-x509:MIIBEXAMPLE=",
        "",
        "content-type;host;x-amz-date;x-amz-x509",
        "1a15f67f6619aa540b13e9a4c37d149fb2c9bdea25d82b73a3878826694dfe27",
      ].join("\n"),
    );
    expect(sha256Hex(creq!)).toBe("c8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2");
    expect(stringToSign("AWS4-X509-ECDSA-SHA256", "20240706T143004Z", "20240706/us-east-1/rolesanywhere/aws4_request", creq!)).toBe(
      "AWS4-X509-ECDSA-SHA256\n20240706T143004Z\n20240706/us-east-1/rolesanywhere/aws4_request\nc8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2",
    );
  });

  it("decodes the received query (+ is a space) and re-encodes it RFC 3986 style, sorted by name then value", () => {
    expect(canonicalQueryString("b=2&a=x+y&a=%7e&c=%2a!")).toBe("a=x%20y&a=~&b=2&c=%2A%21");
    expect(canonicalQueryString("")).toBe("");
    expect(canonicalQueryString("k")).toBe("k=");
    expect(canonicalQueryString("k=caf%C3%A9&&j=")).toBe("j=&k=caf%C3%A9");
    expect(canonicalQueryString("k=%ZZ")).toBeUndefined();
  });

  it("joins repeated headers with commas and collapses inner runs of spaces", () => {
    const h = groupRawHeaders(["X-A", "  one   two ", "x-a", "three\t \tfour\t"]);
    expect(canonicalHeaderValue(h.get("x-a")!)).toBe("one two,three four");
  });

  it("returns undefined when a signed header is not in the request", () => {
    expect(
      canonicalRequest({ method: "POST", path: "/sessions", canonicalQuery: "", headers: new Map(), signedHeaders: ["host"], payloadHash: "" }),
    ).toBeUndefined();
  });
});

describe("parseAuthorization", () => {
  const good = "AWS4-X509-RSA-SHA256 Credential=21/20240706/us-east-2/rolesanywhere/aws4_request, SignedHeaders=host;x-amz-date;x-amz-x509, Signature=abcd";
  it("splits algorithm, scope, signed headers and signature", () => {
    const a = parseAuthorization(good) as ParsedAuthorization;
    expect(a).toMatchObject({
      algorithm: "AWS4-X509-RSA-SHA256",
      serial: "21",
      scopeDate: "20240706",
      scopeRegion: "us-east-2",
      scopeService: "rolesanywhere",
      scopeTerminator: "aws4_request",
      signedHeaders: ["host", "x-amz-date", "x-amz-x509"],
      signature: "abcd",
    });
  });
  it.each([
    ["no components", "AWS4-X509-RSA-SHA256", /expected/],
    ["a missing Signature", good.replace(", Signature=abcd", ""), /missing Signature/],
    ["a duplicate component", good + ", Signature=ef", /duplicate component Signature/],
    ["an unknown component", good + ", Extra=1", /unknown component/],
    ["a short scope", good.replace("/aws4_request", ""), /Credential must be/],
    ["a non-decimal serial", good.replace("Credential=21", "Credential=0x15"), /decimal/],
    ["uppercase signed headers", good.replace("host;", "Host;"), /lowercase/],
    ["unsorted signed headers", good.replace("host;x-amz-date", "x-amz-date;host"), /sorted/],
  ])("refuses %s", (_name, value, why) => {
    expect(parseAuthorization(value)).toMatch(why);
  });
});

describe("parseAmzDate", () => {
  it("reads YYYYMMDDTHHMMSSZ as UTC", () => {
    expect(parseAmzDate("20240706T143004Z")).toBe(Date.UTC(2024, 6, 6, 14, 30, 4));
  });
  it.each(["20240706T143004", "2024-07-06T14:30:04Z", "20240230T000000Z", "20240706T246000Z", ""])("refuses %j", (s) => {
    expect(parseAmzDate(s)).toBeUndefined();
  });
});

interface Vector {
  name: string;
  key: string;
  algorithm: X509Algorithm;
  request: { method: string; path: string; body: string; certificateDerBase64: string };
  expected: { canonicalQuery: string; headers: Record<string, string>; canonicalRequest: string; stringToSign: string; authorization: string };
}

describe("golden vectors (fixtures/sigv4x509, canonicalized by @smithy/signature-v4, signed by openssl)", () => {
  const files = readdirSync(VECTORS).filter((f) => f.endsWith(".json"));
  it("has vectors to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(`verifies ${file} as the server would receive it`, async () => {
      const v = JSON.parse(readFileSync(new URL(file, VECTORS), "utf8")) as Vector;
      const auth = parseAuthorization(v.expected.authorization) as ParsedAuthorization;
      expect(typeof auth).toBe("object");
      const raw = Object.entries(v.expected.headers).flat();
      const creq = canonicalRequest({
        method: v.request.method,
        path: v.request.path,
        canonicalQuery: canonicalQueryString(v.expected.canonicalQuery)!,
        headers: groupRawHeaders(raw),
        signedHeaders: auth.signedHeaders,
        payloadHash: sha256Hex(v.request.body),
      });
      expect(creq).toBe(v.expected.canonicalRequest);
      const scope = `${auth.scopeDate}/${auth.scopeRegion}/${auth.scopeService}/${auth.scopeTerminator}`;
      const sts = stringToSign(auth.algorithm, v.expected.headers["x-amz-date"]!, scope, creq!);
      expect(sts).toBe(v.expected.stringToSign);
      // The key file, not the certificate: the worked example carries a placeholder certificate.
      const key = createPublicKey(createPrivateKey(readFileSync(new URL(v.key, VECTORS), "utf8")));
      expect(verifyX509Signature(v.algorithm, key, sts, auth.signature)).toBe(true);
      const flipped = auth.signature.slice(0, -2) + (auth.signature.endsWith("00") ? "01" : "00");
      expect(verifyX509Signature(v.algorithm, key, sts, flipped)).toBe(false);
      expect(verifyX509Signature(v.algorithm, key, sts + "x", auth.signature)).toBe(false);
      // The thread-pool variant the server uses gives the same answers.
      expect(await verifyX509SignatureAsync(v.algorithm, key, sts, auth.signature)).toBe(true);
      expect(await verifyX509SignatureAsync(v.algorithm, key, sts, flipped)).toBe(false);
      expect(await verifyX509SignatureAsync(v.algorithm, key, sts + "x", auth.signature)).toBe(false);
      expect(await verifyX509SignatureAsync(v.algorithm, key, sts, "00".repeat(8))).toBe(false);
      expect(await verifyX509SignatureAsync(v.algorithm, key, sts, auth.signature.toUpperCase())).toBe(false);
    });
  }
});
