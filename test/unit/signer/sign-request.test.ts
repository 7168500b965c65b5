import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeySigner } from "../../../src/signer/key-signer.js";
import { debugLines, signRequest } from "../../../src/signer/sign-request.js";
import type { Signer, SignRequestInput } from "../../../src/signer/types.js";
import { ConfigError } from "../../../src/errors.js";
import { hasOpenssl, KEY_NAMES, makeOpensslKeys, NO_OPENSSL, opensslVerify, type KeyName, type OpensslKey } from "./openssl-helper.js";

const ARNS = {
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
  roleArn: "arn:aws:iam::123456789012:role/r",
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/t",
};

/** A signer that returns fixed bytes, to look at headers without a key. */
const fixedSigner: Signer = { algorithm: "AWS4-X509-ECDSA-SHA256", sign: () => Buffer.from([0xab, 0xcd]) };

function input(over: Partial<SignRequestInput> = {}): SignRequestInput {
  return {
    method: "POST",
    host: "rolesanywhere.us-east-1.amazonaws.com",
    path: "/sessions",
    query: ARNS,
    headers: { "Content-Type": "application/json" },
    body: '{"durationSeconds":3600}',
    region: "us-east-1",
    certificateDer: Buffer.from("leaf-der"),
    serialDecimal: "21",
    signer: fixedSigner,
    signingDate: new Date("2024-07-06T14:30:04Z"),
    ...over,
  };
}

describe("signRequest", () => {
  it("adds host, x-amz-date and x-amz-x509, and no chain header without a chain", async () => {
    const s = await signRequest(input());
    expect(s.headers).toEqual({
      "content-type": "application/json",
      host: "rolesanywhere.us-east-1.amazonaws.com",
      "x-amz-date": "20240706T143004Z",
      "x-amz-x509": Buffer.from("leaf-der").toString("base64"),
      authorization:
        "AWS4-X509-ECDSA-SHA256 Credential=21/20240706/us-east-1/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=abcd",
    });
    expect(s.canonicalQuery).toBe(s.canonicalRequest.split("\n")[2]);
  });

  it("sends and signs x-amz-x509-chain as comma-joined base64 DER, in the given order", async () => {
    const s = await signRequest(input({ chainDer: [Buffer.from("int-1"), Buffer.from("int-2")] }));
    expect(s.headers["x-amz-x509-chain"]).toBe(`${Buffer.from("int-1").toString("base64")},${Buffer.from("int-2").toString("base64")}`);
    expect(s.headers.authorization).toContain("SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain,");
    expect(s.canonicalRequest).toContain(`\nx-amz-x509-chain:${s.headers["x-amz-x509-chain"]}\n`);
  });

  it("treats an empty chain like no chain", async () => {
    const s = await signRequest(input({ chainDer: [] }));
    expect(s.headers).not.toHaveProperty("x-amz-x509-chain");
  });

  it("sends user-agent and x-amzn-trace-id unsigned, and its own values win over caller copies of the signed headers", async () => {
    const s = await signRequest(
      input({
        headers: {
          "User-Agent": "ua/1",
          "X-Amzn-Trace-Id": "Root=1",
          Host: "evil.example",
          "X-Amz-Date": "19990101T000000Z",
          "X-Amz-X509-Chain": "stale",
          Authorization: "stale",
        },
      }),
    );
    expect(s.headers["user-agent"]).toBe("ua/1");
    expect(s.headers["x-amzn-trace-id"]).toBe("Root=1");
    expect(s.headers.host).toBe("rolesanywhere.us-east-1.amazonaws.com");
    expect(s.headers["x-amz-date"]).toBe("20240706T143004Z");
    expect(s.headers).not.toHaveProperty("x-amz-x509-chain");
    expect(s.headers.authorization).toContain("SignedHeaders=host;x-amz-date;x-amz-x509,");
    expect(s.canonicalRequest).not.toContain("user-agent");
  });

  it("refuses a non-decimal serial, a relative path and an empty region with ConfigError", async () => {
    await expect(signRequest(input({ serialDecimal: "0x15" }))).rejects.toThrow(ConfigError);
    await expect(signRequest(input({ serialDecimal: "015" }))).rejects.toThrow(/not a decimal number/);
    await expect(signRequest(input({ path: "sessions" }))).rejects.toThrow(/must start with '\/'/);
    await expect(signRequest(input({ region: "" }))).rejects.toThrow(/bad region/);
  });

  it("changes the signature input when the date changes (time comes only from signingDate)", async () => {
    const a = await signRequest(input());
    const b = await signRequest(input({ signingDate: new Date("2024-07-06T14:30:05Z") }));
    expect(a.stringToSign).not.toBe(b.stringToSign);
    expect((await signRequest(input())).stringToSign).toBe(a.stringToSign);
  });
});

describe("debugLines", () => {
  it("shows the canonical request, string to sign and headers, with the signature redacted", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const s = await signRequest(input({ signer: createKeySigner(privateKey), headers: { "x-amz-security-token": "tok-SECRET" } }));
    const sigHex = s.headers.authorization!.split("Signature=")[1]!;
    const text = debugLines(s).join("\n");
    expect(text).toContain("canonical request:\n  POST\n  /sessions\n");
    expect(text).toContain(`string to sign:\n  AWS4-X509-ECDSA-SHA256\n  20240706T143004Z\n`);
    expect(text).toContain("  authorization: AWS4-X509-ECDSA-SHA256 Credential=21/20240706/us-east-1/rolesanywhere/aws4_request, SignedHeaders=");
    expect(text).toContain("Signature=[redacted]");
    expect(text).toContain("  x-amz-security-token: [redacted]");
    expect(text).not.toContain(sigHex);
    expect(text).not.toContain("tok-SECRET");
  });
});

describe.skipIf(!hasOpenssl)("signRequest signatures verified by openssl", () => {
  let keys: Record<KeyName, OpensslKey>;
  let cleanup: () => void = () => {};
  beforeAll(() => {
    const made = makeOpensslKeys();
    keys = made.keys;
    cleanup = made.cleanup;
  });
  afterAll(() => cleanup());

  it.each(KEY_NAMES)("%s: `openssl dgst -sha256 -verify` accepts the signature over the string to sign", async (name) => {
    const k = keys[name];
    const s = await signRequest(input({ signer: createKeySigner(k.key), chainDer: [Buffer.from("chain")] }));
    const sig = Buffer.from(s.headers.authorization!.split("Signature=")[1]!, "hex");
    expect(s.headers.authorization!.startsWith(name.startsWith("rsa") ? "AWS4-X509-RSA-SHA256 " : "AWS4-X509-ECDSA-SHA256 ")).toBe(true);
    expect(opensslVerify(k.pubPath, sig, s.stringToSign, "sha256")).toBe(true);
    // and not over anything else
    expect(opensslVerify(k.pubPath, sig, s.stringToSign + " ", "sha256")).toBe(false);
  });
});
if (!hasOpenssl) describe("signRequest signatures verified by openssl", () => it.skip(NO_OPENSSL, () => {}));
