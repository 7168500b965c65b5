import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { checkUrl, isDefaultStsHost, parseNamedEndpoints } from "../../../src/verifier/endpoints.js";
import { decodeToken, MAX_TOKEN_BYTES } from "../../../src/verifier/decode.js";
import { principalArnOf, principalMatcher } from "../../../src/verifier/principal.js";
import { createMemoryReplayStore } from "../../../src/verifier/replay.js";
import { IdentityTokenError } from "../../../src/verifier/errors.js";
import { checkIdentityToken } from "../../../src/verifier/index.js";
import { readCallerIdentity } from "../../../src/verifier/sts-answer.js";

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof IdentityTokenError) return e.code;
    throw e;
  }
  return undefined;
}

describe("verifier: STS hosts", () => {
  it("accepts the global and the aws partition's regional endpoints only", () => {
    for (const h of ["sts.amazonaws.com", "sts.us-east-1.amazonaws.com", "sts.eu-central-2.amazonaws.com", "sts.ap-southeast-5.amazonaws.com"]) {
      expect(isDefaultStsHost(h), h).toBe(true);
    }
    for (const h of ["sts.amazonaws.com.evil.example", "evilsts.amazonaws.com", "sts.us-gov-west-1.amazonaws.com", "sts.cn-north-1.amazonaws.com.cn",
      "sts-fips.us-east-1.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com.", "xsts.amazonaws.com", "sts.us-east-1.amazonaws.com.cn"]) {
      expect(isDefaultStsHost(h), h).toBe(false);
    }
  });

  it("refuses user info, IP literals in any spelling, http, other ports, paths and fragments", () => {
    const none = parseNamedEndpoints([]);
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com/", none))).toBeUndefined();
    expect(codeOf(() => checkUrl("https://STS.AMAZONAWS.COM/", none))).toBeUndefined();
    expect(codeOf(() => checkUrl("https://@sts.amazonaws.com/", none))).toBe("URL_USERINFO");
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com:x@evil.example/", none))).toBe("URL_USERINFO");
    expect(codeOf(() => checkUrl("https://2130706433/", none))).toBe("URL_IP_LITERAL");
    expect(codeOf(() => checkUrl("https://0x7f.1/", none))).toBe("URL_IP_LITERAL");
    expect(codeOf(() => checkUrl("https://[::ffff:127.0.0.1]/", none))).toBe("URL_IP_LITERAL");
    expect(codeOf(() => checkUrl("http://sts.amazonaws.com/", none))).toBe("URL_INSECURE_SCHEME");
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com:443/", none))).toBeUndefined();
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com:444/", none))).toBe("HOST_NOT_ALLOWED");
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com./", none))).toBe("HOST_NOT_ALLOWED");
    expect(codeOf(() => checkUrl("https://xn--sts-amazonaws-com.example/", none))).toBe("HOST_NOT_ALLOWED");
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com/x", none))).toBe("URL_NOT_ALLOWED");
    expect(codeOf(() => checkUrl("https://sts.amazonaws.com/#frag", none))).toBe("URL_NOT_ALLOWED");
    expect(codeOf(() => checkUrl("not a url", none))).toBe("TOKEN_MALFORMED");
  });

  it("accepts a named endpoint exactly: scheme, host, port and path", () => {
    const named = parseNamedEndpoints(["http://127.0.0.1:4566", "https://sts.us-gov-west-1.amazonaws.com"]);
    expect(codeOf(() => checkUrl("http://127.0.0.1:4566/", named))).toBeUndefined();
    expect(codeOf(() => checkUrl("https://sts.us-gov-west-1.amazonaws.com/", named))).toBeUndefined();
    expect(codeOf(() => checkUrl("http://127.0.0.1:4567/", named))).toBe("URL_IP_LITERAL");
    expect(codeOf(() => checkUrl("https://127.0.0.1:4566/", named))).toBe("URL_IP_LITERAL");
    expect(codeOf(() => checkUrl("http://127.0.0.1:4566/other", named))).toBe("URL_NOT_ALLOWED");
    expect(() => parseNamedEndpoints(["ftp://x"])).toThrow(/must be an http or https URL/);
  });
});

describe("verifier: decoding", () => {
  it("measures the size in UTF-8 bytes", () => {
    expect(codeOf(() => decodeToken("https://sts.amazonaws.com/?" + "é".repeat(MAX_TOKEN_BYTES / 2)))).toBe("TOKEN_TOO_LARGE");
  });

  it("refuses non-canonical base64, unknown fields, non-string headers and empty tokens", () => {
    expect(codeOf(() => decodeToken(""))).toBe("TOKEN_MALFORMED");
    expect(codeOf(() => decodeToken(JSON.stringify({ iam_http_request_method: "POST", iam_request_url: "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8", iam_request_body: "", iam_request_headers: "e30=" })))).toBe("TOKEN_MALFORMED");
    expect(codeOf(() => decodeToken(JSON.stringify({ iam_http_request_method: "POST", iam_request_url: "", iam_request_body: "", iam_request_headers: "e30=", extra: 1 })))).toBe("TOKEN_MALFORMED");
    const headers = Buffer.from(JSON.stringify({ Host: [1] })).toString("base64");
    expect(codeOf(() => decodeToken(JSON.stringify({ iam_http_request_method: "POST", iam_request_url: "", iam_request_body: "", iam_request_headers: headers })))).toBe("TOKEN_MALFORMED");
    const akeyless = Buffer.from(JSON.stringify({ sts_request_method: "POST", sts_request_url: "", sts_request_headers: "e30=" })).toString("base64");
    expect(codeOf(() => decodeToken(akeyless))).toBe("TOKEN_MALFORMED");
  });

  it("reads the four formats", () => {
    expect(decodeToken("https://sts.amazonaws.com/?Action=GetCallerIdentity").format).toBe("url");
    expect(decodeToken("k8s-aws-v1." + Buffer.from("https://sts.amazonaws.com/").toString("base64url")).url).toBe("https://sts.amazonaws.com/");
    const v = decodeToken(JSON.stringify({ iam_http_request_method: "POST", iam_request_url: "", iam_request_body: "", iam_request_headers: "e30=", role: null }));
    expect(v).toMatchObject({ format: "vault", method: "POST", headers: [] });
    const a = Buffer.from(JSON.stringify({ sts_request_method: "POST", sts_request_url: "", sts_request_body: "", sts_request_headers: "e30=" })).toString("base64");
    expect(decodeToken(a).format).toBe("akeyless");
  });

  it("checkIdentityToken refuses a malformed presigned signature before anything else about it", () => {
    const url = "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA1";
    expect(codeOf(() => checkIdentityToken(url, { audience: "a" }))).toBe("SIGNATURE_MALFORMED");
    expect(() => checkIdentityToken(url, { audience: "a", maxAgeSeconds: 901 })).toThrow(/max age must be 1-900 seconds/);
    expect(() => checkIdentityToken(url, { audience: "a", allowAccounts: ["12"] })).toThrow(/not a 12-digit account id/);
  });
});

describe("verifier: principals", () => {
  it("normalises an assumed-role ARN to its role, in any partition, and leaves others alone", () => {
    expect(principalArnOf("arn:aws:sts::111122223333:assumed-role/ci-deploy/build-42")).toBe("arn:aws:iam::111122223333:role/ci-deploy");
    expect(principalArnOf("arn:aws-cn:sts::111122223333:assumed-role/r/s")).toBe("arn:aws-cn:iam::111122223333:role/r");
    expect(principalArnOf("arn:aws:iam::111122223333:user/alice")).toBe("arn:aws:iam::111122223333:user/alice");
    expect(principalArnOf("arn:aws:sts::111122223333:federated-user/bob")).toBe("arn:aws:sts::111122223333:federated-user/bob");
  });

  it("matches patterns with * as any run, everything else literally", () => {
    const m = principalMatcher(["arn:aws:iam::111122223333:role/ci-*", "arn:aws:iam::*:role/a.b"]);
    expect(m(["arn:aws:iam::111122223333:role/ci-deploy"])).toBe(true);
    expect(m(["arn:aws:iam::111122223333:role/cd-deploy"])).toBe(false);
    expect(m(["arn:aws:iam::999999999999:role/a.b"])).toBe(true);
    expect(m(["arn:aws:iam::999999999999:role/aXb"])).toBe(false);
    expect(() => principalMatcher(["role/x"])).toThrow(/not an ARN pattern/);
  });
});

describe("verifier: memory replay store", () => {
  it("remembers a key until it expires, then forgets it; past maxEntries the oldest go", () => {
    const clock = new ManualClock(1_000_000);
    const store = createMemoryReplayStore({ clock, maxEntries: 2 });
    expect(store.claim("a", 1_060_000)).toBe(true);
    expect(store.seen("a")).toBe(true);
    expect(store.claim("a", 1_060_000)).toBe(false);
    clock.advance(60_000);
    expect(store.seen("a")).toBe(false);
    expect(store.claim("a", 1_200_000)).toBe(true);
    expect(store.claim("b", 1_200_000)).toBe(true);
    expect(store.claim("c", 1_200_000)).toBe(true);
    expect(store.seen("a")).toBe(false);
    expect(store.seen("b") && store.seen("c")).toBe(true);
  });
});

describe("verifier: STS's answer", () => {
  const ok = (body: string, contentType = "text/xml") => readCallerIdentity({ status: 200, contentType, body });
  const good = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
    <Arn>arn:aws:sts::111122223333:assumed-role/r/s</Arn><UserId>AROAX:s</UserId><Account>011122223333</Account>
    </GetCallerIdentityResult></GetCallerIdentityResponse>`;

  it("reads Arn, UserId and a 12-digit Account kept as text (leading zero kept)", async () => {
    await expect(ok(good)).resolves.toEqual({ arn: "arn:aws:sts::111122223333:assumed-role/r/s", userId: "AROAX:s", account: "011122223333" });
  });

  it("refuses another namespace, malformed XML, JSON and a missing field", async () => {
    await expect(ok(good.replace("2011-06-15/", "2011-06-16/"))).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
    await expect(ok(good.slice(0, -5))).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
    await expect(ok("{}", "application/json")).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
    await expect(ok(good.replace(/<UserId>.*<\/UserId>/, ""))).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
  });

  it("names STS's error code for a refusal", async () => {
    const body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>x</RequestId></ErrorResponse>`;
    await expect(readCallerIdentity({ status: 400, contentType: "text/xml", body })).rejects.toMatchObject({
      code: "STS_REFUSED", stsStatus: 400, stsCode: "ExpiredToken",
      message: "STS refused the token with HTTP 400: ExpiredToken (The security token included in the request is expired)",
    });
  });
});
