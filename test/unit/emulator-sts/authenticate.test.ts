import { describe, expect, it } from "vitest";
import { CredentialStore } from "../../../src/emulator/credential-store.js";
import { authenticate } from "../../../src/emulator/sts/authenticate.js";
import type { StsRequest } from "../../../src/emulator/sts/sts-request.js";
import { SIGNATURE_MISMATCH_MESSAGE } from "../../../src/emulator/sts/sts-fault.js";
import { presignedGet, signedPost } from "./smithy-sign.js";

const T0 = Date.UTC(2025, 4, 6, 12, 0, 0);
const ROLE = "arn:aws:iam::123456789012:role/demo";
const BODY = "Action=GetCallerIdentity&Version=2011-06-15";

function setup() {
  const store = new CredentialStore();
  const creds = store.mint({ accountId: "123456789012", roleArn: ROLE, roleSessionName: "s1", durationSeconds: 3600, now: T0 });
  const deps = (now = T0) => ({ lookup: (k: string) => store.get(k), now });
  return { store, creds, deps };
}

function withHeader(req: StsRequest, name: string, value: string | undefined): StsRequest {
  const headers = { ...req.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = [value];
  return { ...req, headers };
}

function expectFault(result: ReturnType<typeof authenticate>, status: number, code: string, message?: string | RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.fault.code).toBe(code);
  expect(result.fault.status).toBe(status);
  if (typeof message === "string") expect(result.fault.message).toBe(message);
  else if (message) expect(result.fault.message).toMatch(message);
}

describe("STS authenticate (SigV4 HMAC, requests signed by @smithy/signature-v4)", () => {
  it("accepts a POST signed with the minted secret and session token and returns the caller", async () => {
    const { creds, deps } = setup();
    const req = await signedPost(creds, BODY, { date: new Date(T0) });
    const result = authenticate(req, deps());
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.caller.accessKeyId).toBe(creds.accessKeyId);
  });

  it("refuses a credential scope of another region than the endpoint's, as a regional STS endpoint does", async () => {
    const { creds, deps } = setup();
    const other = await signedPost(creds, BODY, { date: new Date(T0), region: "eu-west-3" });
    expectFault(authenticate(other, { ...deps(), region: "us-east-1" }), 403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ");
    const own = await signedPost(creds, BODY, { date: new Date(T0), region: "eu-west-3" });
    expect(authenticate(own, { ...deps(), region: "eu-west-3" }).ok).toBe(true);
  });

  it("refuses a body changed after signing with 403 SignatureDoesNotMatch", async () => {
    const { creds, deps } = setup();
    const req = await signedPost(creds, BODY, { date: new Date(T0) });
    const tampered = { ...req, body: Buffer.from(BODY.replace("GetCallerIdentity", "AssumeRole")) };
    expectFault(authenticate(tampered, deps()), 403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH_MESSAGE);
  });

  it("refuses a tampered signature and a changed signed header", async () => {
    const { creds, deps } = setup();
    const req = await signedPost(creds, BODY, { date: new Date(T0) });
    const auth = req.headers["authorization"]![0]!;
    const last = auth.at(-1) === "0" ? "1" : "0";
    expectFault(authenticate(withHeader(req, "authorization", auth.slice(0, -1) + last), deps()), 403, "SignatureDoesNotMatch");
    expectFault(authenticate(withHeader(req, "host", "127.0.0.1:9999"), deps()), 403, "SignatureDoesNotMatch");
  });

  it("refuses a request signed with the wrong secret", async () => {
    const { creds, deps } = setup();
    const req = await signedPost({ ...creds, secretAccessKey: creds.secretAccessKey.slice(1) + "x" }, BODY, { date: new Date(T0) });
    expectFault(authenticate(req, deps()), 403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH_MESSAGE);
  });

  it("refuses X-Amz-Date more than 5 minutes from the clock, either way", async () => {
    const { creds, deps } = setup();
    const stale = await signedPost(creds, BODY, { date: new Date(T0 - 301_000) });
    expectFault(authenticate(stale, deps()), 403, "SignatureDoesNotMatch",
      "Signature expired: 20250506T115459Z is now earlier than 20250506T115500Z (20250506T120000Z - 5 min.)");
    const future = await signedPost(creds, BODY, { date: new Date(T0 + 301_000) });
    expectFault(authenticate(future, deps()), 403, "SignatureDoesNotMatch", /^Signature not yet current: 20250506T120501Z/);
    const edge = await signedPost(creds, BODY, { date: new Date(T0 - 300_000) });
    expect(authenticate(edge, deps()).ok).toBe(true);
  });

  it("answers ExpiredToken once the credentials' expiration has passed on the injected clock", async () => {
    const { creds, deps } = setup();
    const later = T0 + 3600_000;
    const req = await signedPost(creds, BODY, { date: new Date(later) });
    expectFault(authenticate(req, deps(later)), 400, "ExpiredToken", "The security token included in the request is expired");
    const justBefore = await signedPost(creds, BODY, { date: new Date(later - 1000) });
    expect(authenticate(justBefore, deps(later - 1000)).ok).toBe(true);
  });

  it("refuses a wrong, missing or other credentials' session token with InvalidClientTokenId", async () => {
    const { store, creds, deps } = setup();
    const other = store.mint({ accountId: "123456789012", roleArn: ROLE, roleSessionName: "s2", durationSeconds: 3600, now: T0 });
    const msg = "The security token included in the request is invalid.";
    const wrong = await signedPost({ ...creds, sessionToken: other.sessionToken }, BODY, { date: new Date(T0) });
    expectFault(authenticate(wrong, deps()), 403, "InvalidClientTokenId", msg);
    const none = await signedPost({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }, BODY, { date: new Date(T0) });
    expectFault(authenticate(none, deps()), 403, "InvalidClientTokenId", msg);
  });

  it("refuses an access key id the emulator never minted with InvalidClientTokenId", async () => {
    const { creds, deps } = setup();
    const req = await signedPost({ ...creds, accessKeyId: "ASIAAAAAAAAAAAAAAAAA" }, BODY, { date: new Date(T0) });
    expectFault(authenticate(req, deps()), 403, "InvalidClientTokenId");
  });

  it("refuses a credential scope for another service", async () => {
    const { creds, deps } = setup();
    const req = await signedPost(creds, BODY, { date: new Date(T0), service: "iam" });
    expectFault(authenticate(req, deps()), 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ");
  });

  it("answers MissingAuthenticationToken without any authorization", () => {
    const { deps } = setup();
    const req: StsRequest = { method: "POST", path: "/", rawQuery: "", headers: { host: ["h"] }, body: Buffer.from(BODY) };
    expectFault(authenticate(req, deps()), 403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  });

  it("answers IncompleteSignature for malformed Authorization headers", async () => {
    const { creds, deps } = setup();
    const req = await signedPost(creds, BODY, { date: new Date(T0) });
    const auth = req.headers["authorization"]![0]!;
    expectFault(authenticate(withHeader(req, "authorization", auth.replace(/, Signature=[0-9a-f]+/, "")), deps()), 400,
      "IncompleteSignature", "Authorization header requires 'Signature' parameter.");
    expectFault(authenticate(withHeader(req, "authorization", auth.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")), deps()), 400,
      "IncompleteSignature", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'");
    expectFault(authenticate(withHeader(req, "authorization", auth.replace("/aws4_request", "")), deps()), 400,
      "IncompleteSignature", /^Credential must have exactly 5 slash-delimited elements/);
    expectFault(authenticate(withHeader(req, "x-amz-date", undefined), deps()), 400, "IncompleteSignature",
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    expectFault(authenticate(withHeader(req, "x-amz-date", "2025-05-06T12:00:00Z"), deps()), 400, "IncompleteSignature", /^Date must be in ISO-8601 'basic format'/);
  });

  it("accepts a presigned GET for 15 minutes whatever X-Amz-Expires says, as STS does, then refuses it", async () => {
    const { creds, deps } = setup();
    const req = await presignedGet(creds, { Action: "GetCallerIdentity", Version: "2011-06-15" }, { date: new Date(T0), expiresIn: 60 });
    expect(req.headers["authorization"]).toBeUndefined();
    expect(authenticate(req, deps(T0 + 30_000)).ok).toBe(true);
    expect(authenticate(req, deps(T0 + 61_000)).ok).toBe(true);
    expect(authenticate(req, deps(T0 + 900_000)).ok).toBe(true);
    expectFault(authenticate(req, deps(T0 + 901_000)), 403, "SignatureDoesNotMatch", /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const tampered = { ...req, rawQuery: req.rawQuery.replace("GetCallerIdentity", "AssumeRole") };
    expectFault(authenticate(tampered, deps()), 403, "SignatureDoesNotMatch");
  });
});
