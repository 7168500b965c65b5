/**
 * Identity tokens made from Roles Anywhere credentials and checked by the
 * verifier against the emulator's STS on 127.0.0.1. Every local refusal is
 * shown to send nothing: the emulator's audit log does not grow.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { createIdentityToken, type CreateIdentityTokenOptions } from "../../../src/outputs/identity-token/index.js";
import {
  createMemoryReplayStore,
  IdentityTokenError,
  verifyIdentityToken,
  type IdentityTokenRefusal,
  type VerifyIdentityTokenOptions,
} from "../../../src/verifier/index.js";
import { startWorld, vaultParts, vaultToken, type World } from "./support.js";

let w: World;
beforeAll(async () => {
  w = await startWorld("token-maker");
});
afterAll(async () => {
  await w?.close();
});

const AUD = "api.example.test";
const make = (o: Partial<CreateIdentityTokenOptions> = {}) =>
  createIdentityToken(w.creds, { audience: AUD, stsEndpoint: w.emu.endpoint, ...o });
const verify = (token: string, o: Partial<VerifyIdentityTokenOptions> = {}) =>
  verifyIdentityToken(token, { audience: AUD, stsEndpoints: [w.emu.endpoint], ...o });

/** Asserts the refusal code and that the emulator saw no request. */
async function refusedLocally(token: string, code: IdentityTokenRefusal, o: Partial<VerifyIdentityTokenOptions> = {}): Promise<IdentityTokenError> {
  const before = w.stsCalls();
  const err = await verify(token, o).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(IdentityTokenError);
  expect((err as IdentityTokenError).code).toBe(code);
  expect(w.stsCalls()).toBe(before);
  return err as IdentityTokenError;
}

describe("identity tokens from Roles Anywhere credentials, verified against the emulator", () => {
  for (const format of ["vault", "k8s", "akeyless", "url"] as const) {
    it(`accepts a ${format} token and names the role`, async () => {
      const before = w.stsCalls();
      const id = await verify(await make({ format }));
      expect(id).toEqual({
        arn: `arn:aws:sts::${w.emu.accountId}:assumed-role/${w.emu.roleArn.split("/").pop()}/token-maker`,
        account: w.emu.accountId,
        userId: expect.stringMatching(/^AROA[A-Z0-9]+:token-maker$/),
        principalArn: w.emu.roleArn,
      });
      expect(w.stsCalls()).toBe(before + 1);
      expect(w.emu.audit.at(-1)).toMatchObject({ operation: "GetCallerIdentity", outcome: "success" });
    });
  }

  it("accepts a principal allowed by a wildcard pattern and an allowed account", async () => {
    const role = w.emu.roleArn.replace(/[^/]+$/, "*");
    const id = await verify(await make(), { allowPrincipals: [role], allowAccounts: [w.emu.accountId] });
    expect(id.principalArn).toBe(w.emu.roleArn);
  });
});

describe("refusals made before any request", () => {
  it("wrong audience (AUDIENCE_MISMATCH)", async () => {
    await refusedLocally(await make({ format: "vault", audience: "another-service" }), "AUDIENCE_MISMATCH");
  });

  it("audience header present but not signed (AUDIENCE_NOT_SIGNED)", async () => {
    const p = vaultParts(await make({ format: "vault" }));
    p.headers["Authorization"] = [p.headers["Authorization"]![0]!.replace(";x-vault-aws-iam-server-id", "")];
    await refusedLocally(vaultToken(p), "AUDIENCE_NOT_SIGNED");
  });

  it("no audience header (AUDIENCE_MISSING), and a presigned token that does not sign one (AUDIENCE_NOT_SIGNED)", async () => {
    await refusedLocally(await make({ format: "akeyless", audience: undefined }), "AUDIENCE_MISSING");
    const url = await make({ format: "url", audienceHeader: "X-Other-Audience" });
    await refusedLocally(url, "AUDIENCE_NOT_SIGNED");
  });

  it("AssumeRole in the body (ACTION_NOT_ALLOWED), also in a presigned query", async () => {
    const p = vaultParts(await make({ format: "vault" }));
    p.body = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(w.emu.roleArn)}&RoleSessionName=x`;
    await refusedLocally(vaultToken(p), "ACTION_NOT_ALLOWED");
    await refusedLocally((await make()).replace("Action=GetCallerIdentity", "Action=AssumeRole"), "ACTION_NOT_ALLOWED");
  });

  it("a parameter outside the allowed set (PARAMETER_NOT_ALLOWED)", async () => {
    const p = vaultParts(await make({ format: "vault" }));
    p.body += "&DurationSeconds=900";
    await refusedLocally(vaultToken(p), "PARAMETER_NOT_ALLOWED");
    await refusedLocally((await make()) + "&RoleArn=x", "PARAMETER_NOT_ALLOWED");
  });

  it("a duplicated parameter (PARAMETER_DUPLICATED)", async () => {
    await refusedLocally((await make()) + "&Action=GetCallerIdentity", "PARAMETER_DUPLICATED");
    const p = vaultParts(await make({ format: "vault" }));
    p.body += "&Version=2011-06-15";
    await refusedLocally(vaultToken(p), "PARAMETER_DUPLICATED");
  });

  it("the wrong method for the format (METHOD_NOT_ALLOWED)", async () => {
    const p = vaultParts(await make({ format: "vault" }));
    p.method = "GET";
    await refusedLocally(vaultToken(p), "METHOD_NOT_ALLOWED");
  });

  it("a look-alike host (HOST_NOT_ALLOWED)", async () => {
    await refusedLocally(await make({ stsEndpoint: "https://sts.amazonaws.com.evil.example/" }), "HOST_NOT_ALLOWED");
    await refusedLocally(await make({ stsEndpoint: "https://evil-sts.amazonaws.com/" }), "HOST_NOT_ALLOWED");
    await refusedLocally(await make({ stsEndpoint: "https://sts.amazonaws.com:8443/" }), "HOST_NOT_ALLOWED");
  });

  it("user info in the URL (URL_USERINFO), even when the host after it is the emulator", async () => {
    const token = (await make()).replace(w.emu.endpoint, `http://sts.amazonaws.com@${w.emu.host}:${w.emu.port}`);
    await refusedLocally(token, "URL_USERINFO");
  });

  it("an IP literal (URL_IP_LITERAL), the emulator's own address over https included", async () => {
    await refusedLocally(await make({ stsEndpoint: `https://${w.emu.host}:${w.emu.port}/` }), "URL_IP_LITERAL");
    await refusedLocally(await make({ stsEndpoint: "https://[::1]/" }), "URL_IP_LITERAL");
  });

  it("the http scheme for an endpoint that was not named (URL_INSECURE_SCHEME)", async () => {
    await refusedLocally(await make({ stsEndpoint: "http://sts.amazonaws.com/" }), "URL_INSECURE_SCHEME");
  });

  it("signed too long ago (SIGNED_TOO_LONG_AGO), by the default 900 s and by --max-age", async () => {
    const old = await make({ clock: new ManualClock(Date.now() - 901_000) });
    await refusedLocally(old, "SIGNED_TOO_LONG_AGO");
    const minuteOld = await make({ clock: new ManualClock(Date.now() - 61_000) });
    await refusedLocally(minuteOld, "SIGNED_TOO_LONG_AGO", { maxAgeSeconds: 60 });
  });

  it("signed more than 5 minutes in the future (SIGNED_IN_FUTURE)", async () => {
    await refusedLocally(await make({ clock: new ManualClock(Date.now() + 301_000) }), "SIGNED_IN_FUTURE");
  });

  it("X-Amz-Expires above 900 (EXPIRES_TOO_LONG)", async () => {
    await refusedLocally((await make()).replace("X-Amz-Expires=60", "X-Amz-Expires=901"), "EXPIRES_TOO_LONG");
  });

  it("a token over 8 KiB (TOKEN_TOO_LARGE)", async () => {
    const token = await make();
    await refusedLocally(token + "&" + "x".repeat(8192 - token.length), "TOKEN_TOO_LARGE");
  });

  it("a header beyond the SigV4 set and the audience header (HEADER_NOT_ALLOWED), and a duplicated one (HEADER_DUPLICATED)", async () => {
    const p = vaultParts(await make({ format: "vault" }));
    p.headers["X-Forwarded-For"] = ["10.0.0.1"];
    await refusedLocally(vaultToken(p), "HEADER_NOT_ALLOWED");
    const q = vaultParts(await make({ format: "vault" }));
    q.headers["x-amz-date"] = q.headers["X-Amz-Date"]!;
    await refusedLocally(vaultToken(q), "HEADER_DUPLICATED");
    const r = vaultParts(await make({ format: "vault" }));
    r.headers["X-Amz-Date"] = [r.headers["X-Amz-Date"]![0]!, r.headers["X-Amz-Date"]![0]!];
    await refusedLocally(vaultToken(r), "HEADER_DUPLICATED");
  });

  it("a token that is none of the formats (TOKEN_MALFORMED)", async () => {
    await refusedLocally("hello", "TOKEN_MALFORMED");
    await refusedLocally("{\"iam_request_url\":1}", "TOKEN_MALFORMED");
    await refusedLocally("k8s-aws-v1.!!", "TOKEN_MALFORMED");
  });

  it("a format the service does not take", async () => {
    await refusedLocally(await make({ format: "k8s" }), "TOKEN_MALFORMED", { formats: ["vault"] });
  });
});

describe("refusals after STS answered", () => {
  it("account not allowed (ACCOUNT_NOT_ALLOWED)", async () => {
    const before = w.stsCalls();
    await expect(verify(await make(), { allowAccounts: ["999999999999"] })).rejects.toMatchObject({ code: "ACCOUNT_NOT_ALLOWED" });
    expect(w.stsCalls()).toBe(before + 1);
  });

  it("principal not allowed (PRINCIPAL_NOT_ALLOWED)", async () => {
    await expect(verify(await make(), { allowPrincipals: [`arn:aws:iam::${w.emu.accountId}:role/someone-else`] }))
      .rejects.toMatchObject({ code: "PRINCIPAL_NOT_ALLOWED", message: `principal ${w.emu.roleArn} is not allowed` });
  });

  it("a presigned token signed for another audience fails STS's signature check (STS_REFUSED)", async () => {
    const token = await make({ format: "k8s", audience: "other-cluster" });
    await expect(verify(token)).rejects.toMatchObject({ code: "STS_REFUSED", stsStatus: 403, stsCode: "SignatureDoesNotMatch" });
  });

  it("with a replay store, a second use of a token is refused without a request (REPLAYED)", async () => {
    const replayStore = createMemoryReplayStore();
    const token = await make({ format: "vault" });
    await verify(token, { replayStore });
    await refusedLocally(token, "REPLAYED", { replayStore });
    // Without the store, the same token is accepted again (STS itself accepts it for 15 minutes).
    await expect(verify(token)).resolves.toMatchObject({ principalArn: w.emu.roleArn });
  });
});

describe("the call to STS", () => {
  let srv: Server;
  let mode: "redirect" | "text" | "silent" | "xml-other" = "text";
  let hits = 0;
  let base = "";
  beforeAll(async () => {
    srv = createServer((req, res) => {
      hits++;
      if (mode === "redirect") res.writeHead(302, { Location: w.emu.endpoint + req.url }).end();
      else if (mode === "text") res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      else if (mode === "xml-other") res.writeHead(200, { "Content-Type": "text/xml" }).end("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"/>");
      // silent: never answers
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
  const viaFake = async () => createIdentityToken(w.creds, { audience: AUD, stsEndpoint: base });

  it("follows no redirect: a 302 is a refusal and the emulator it points to sees nothing", async () => {
    mode = "redirect";
    const before = w.stsCalls();
    await expect(verifyIdentityToken(await viaFake(), { audience: AUD, stsEndpoints: [base] })).rejects.toMatchObject({ code: "STS_REFUSED", stsStatus: 302 });
    expect(w.stsCalls()).toBe(before);
  });

  it("refuses a 200 that is not XML, and XML that is not a GetCallerIdentityResponse (STS_BAD_ANSWER)", async () => {
    mode = "text";
    await expect(verifyIdentityToken(await viaFake(), { audience: AUD, stsEndpoints: [base] })).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
    mode = "xml-other";
    await expect(verifyIdentityToken(await viaFake(), { audience: AUD, stsEndpoints: [base] })).rejects.toMatchObject({ code: "STS_BAD_ANSWER" });
  });

  it("gives up after the time limit (STS_TIMEOUT)", async () => {
    mode = "silent";
    const start = hits;
    await expect(verifyIdentityToken(await viaFake(), { audience: AUD, stsEndpoints: [base], timeoutMs: 300 }))
      .rejects.toMatchObject({ code: "STS_TIMEOUT", message: "STS did not answer within 0.3 s" });
    expect(hits).toBe(start + 1);
  });

  it("says so when STS cannot be reached (STS_UNREACHABLE)", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const token = await createIdentityToken(w.creds, { audience: AUD, stsEndpoint: url });
    await expect(verifyIdentityToken(token, { audience: AUD, stsEndpoints: [url] })).rejects.toMatchObject({ code: "STS_UNREACHABLE" });
  });
});
