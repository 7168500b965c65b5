import { createRequire } from "node:module";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../../../src/clock.js";
import { Secret } from "../../../../src/secret.js";
import { createIdentityToken } from "../../../../src/outputs/identity-token/index.js";
import { NodeSha256 } from "../../emulator-sts/smithy-sign.js";

// aws4 is the signer Akeyless's Node library (akeylesslabs/akeyless-js-cloud-id) uses: an
// independent SigV4 implementation to compare our akeyless cloud id with, byte for byte.
const aws4 = createRequire(import.meta.url)("aws4") as {
  sign(opts: Record<string, unknown>, creds: Record<string, string>): { headers: Record<string, string> };
};

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const clock = new ManualClock(T);
const KEYS = { accessKeyId: "ASIAEXAMPLEKEY123456", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLE+/token==" };
const b64json = (s: string) => JSON.parse(Buffer.from(s, "base64").toString("utf8")) as Record<string, unknown>;

afterEach(() => {
  vi.useRealTimers();
});

describe("createIdentityToken", () => {
  it("k8s: the presigned URL is signed exactly as @smithy/signature-v4 presigns it", async () => {
    const token = await createIdentityToken(KEYS, { audience: "my-cluster", format: "k8s", region: "eu-west-1", clock });
    expect(token.startsWith("k8s-aws-v1.")).toBe(true);
    expect(token).not.toMatch(/[=+/]/);
    const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
    expect(url.origin).toBe("https://sts.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
    expect(url.searchParams.get("X-Amz-Credential")).toBe(`${KEYS.accessKeyId}/20260102/eu-west-1/sts/aws4_request`);

    const smithy = new SignatureV4({ credentials: KEYS, region: "eu-west-1", service: "sts", sha256: NodeSha256 });
    const presigned = await smithy.presign(
      { method: "GET", protocol: "https:", hostname: url.hostname, path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
        headers: { host: url.hostname, "x-k8s-aws-id": "my-cluster" } },
      { signingDate: new Date(T), expiresIn: 60 },
    );
    expect(url.searchParams.get("X-Amz-Signature")).toBe(presigned.query!["X-Amz-Signature"]);
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe(KEYS.sessionToken);
  });

  it("url: the audience rides in the named signed header; the global endpoint is signed with us-east-1", async () => {
    const token = await createIdentityToken(KEYS, { audience: "api.example.com", format: "url", audienceHeader: "X-My-Audience", clock });
    const url = new URL(token);
    expect(url.origin).toBe("https://sts.amazonaws.com");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-my-audience");
    expect(url.searchParams.get("X-Amz-Credential")).toContain("/us-east-1/sts/");
    const smithy = new SignatureV4({ credentials: KEYS, region: "us-east-1", service: "sts", sha256: NodeSha256 });
    const presigned = await smithy.presign(
      { method: "GET", protocol: "https:", hostname: url.hostname, path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
        headers: { host: url.hostname, "x-my-audience": "api.example.com" } },
      { signingDate: new Date(T), expiresIn: 60 },
    );
    expect(url.searchParams.get("X-Amz-Signature")).toBe(presigned.query!["X-Amz-Signature"]);
  });

  it("vault: Vault's login payload, X-Vault-AWS-IAM-Server-ID signed, signature equal to smithy's", async () => {
    const token = await createIdentityToken(KEYS, { audience: "vault.example.com", format: "vault", clock });
    const payload = JSON.parse(token) as Record<string, string>;
    expect(Object.keys(payload)).toEqual(["iam_http_request_method", "iam_request_url", "iam_request_body", "iam_request_headers"]);
    expect(payload["iam_http_request_method"]).toBe("POST");
    expect(Buffer.from(payload["iam_request_url"]!, "base64").toString()).toBe("https://sts.amazonaws.com/");
    expect(Buffer.from(payload["iam_request_body"]!, "base64").toString()).toBe("Action=GetCallerIdentity&Version=2011-06-15");
    const headers = b64json(payload["iam_request_headers"]!) as Record<string, string[]>;
    expect(headers["X-Vault-AWS-IAM-Server-ID"]).toEqual(["vault.example.com"]);
    expect(headers["Authorization"]![0]).toContain("SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id,");

    const smithy = new SignatureV4({ credentials: KEYS, region: "us-east-1", service: "sts", sha256: NodeSha256, applyChecksum: false });
    const signed = await smithy.sign(
      { method: "POST", protocol: "https:", hostname: "sts.amazonaws.com", path: "/", query: {},
        headers: { host: "sts.amazonaws.com", "content-length": "43", "content-type": "application/x-www-form-urlencoded; charset=utf-8",
          "x-vault-aws-iam-server-id": "vault.example.com" },
        body: "Action=GetCallerIdentity&Version=2011-06-15" },
      { signingDate: new Date(T) },
    );
    const sig = (s: string) => /SignedHeaders=.*/.exec(s)![0];  // the signed header list and the signature
    expect(sig(headers["Authorization"]![0]!)).toBe(sig(signed.headers["authorization"]!));
  });

  it("akeyless: byte for byte the cloud id of Akeyless's Node library (layout of cloudid.js, signature by aws4)", async () => {
    vi.useFakeTimers({ now: T, toFake: ["Date"] });
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const opts: Record<string, unknown> = { method: "POST", service: "sts", body, region: "us-east-1",
      headers: { "Content-Length": body.length, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" } };
    const h = aws4.sign(opts, KEYS).headers;
    const expectedHeaders = JSON.stringify({
      Authorization: [h["Authorization"]], "Content-Length": [String(body.length)], Host: [h["Host"]],
      "Content-Type": [h["Content-Type"]], "X-Amz-Date": [h["X-Amz-Date"]], "X-Amz-Security-Token": [KEYS.sessionToken],
    });
    const expected = Buffer.from(JSON.stringify({
      sts_request_method: "POST",
      sts_request_url: Buffer.from("https://sts.amazonaws.com/").toString("base64"),
      sts_request_body: Buffer.from(body).toString("base64"),
      sts_request_headers: Buffer.from(expectedHeaders).toString("base64"),
    })).toString("base64");
    expect(await createIdentityToken(KEYS, { format: "akeyless", clock })).toBe(expected);
  });

  it("akeyless with an audience adds one signed header, last", async () => {
    const token = await createIdentityToken(KEYS, { format: "akeyless", audience: "aud-1", clock });
    const data = b64json(token) as Record<string, string>;
    const headers = b64json(data["sts_request_headers"]!) as Record<string, string[]>;
    expect(Object.keys(headers)).toEqual(["Authorization", "Content-Length", "Host", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Identity-Audience"]);
    expect(headers["Authorization"]![0]).toContain("SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-identity-audience,");
  });

  it("takes Credentials with secrets wrapped, and provider functions; credentials without a session token sign none", async () => {
    const wrapped = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: new Secret("s3cr3t"), sessionToken: new Secret("tok") };
    const a = new URL(await createIdentityToken(wrapped, { audience: "x", clock }));
    expect(a.searchParams.get("X-Amz-Security-Token")).toBe("tok");
    const b = new URL(await createIdentityToken(async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s3cr3t" }), { audience: "x", clock }));
    expect(b.searchParams.has("X-Amz-Security-Token")).toBe(false);
  });

  it("picks the partition's regional endpoint, keeps an explicit one, and reads the region from its host", async () => {
    const cn = new URL(await createIdentityToken(KEYS, { audience: "x", region: "cn-north-1", clock }));
    expect(cn.origin).toBe("https://sts.cn-north-1.amazonaws.com.cn");
    const own = new URL(await createIdentityToken(KEYS, { audience: "x", stsEndpoint: "https://sts.ap-south-1.amazonaws.com", clock }));
    expect(own.searchParams.get("X-Amz-Credential")).toContain("/ap-south-1/sts/");
  });

  it("refuses bad options with one clear message", async () => {
    await expect(createIdentityToken(KEYS, { format: "k8s", clock })).rejects.toThrow("identity token: the k8s format needs an audience");
    await expect(createIdentityToken(KEYS, { audience: "a\nb", clock })).rejects.toThrow(/audience must be 1-256 visible ASCII/);
    await expect(createIdentityToken(KEYS, { audience: "a", audienceHeader: "X-Amz-Date", clock })).rejects.toThrow(/'X-Amz-Date' cannot carry the audience/);
    await expect(createIdentityToken(KEYS, { audience: "a", format: "saml" as never, clock })).rejects.toThrow(/unknown format 'saml'/);
    await expect(createIdentityToken(KEYS, { audience: "a", region: "mars", clock })).rejects.toThrow(/'mars' is not a region name/);
    await expect(createIdentityToken(KEYS, { audience: "a", stsEndpoint: "https://u:p@sts.amazonaws.com", clock })).rejects.toThrow(/user info/);
    await expect(createIdentityToken({ accessKeyId: "", secretAccessKey: "" }, { audience: "a", clock })).rejects.toThrow(/no access key id/);
  });
});
