import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import type { MintedCredentials } from "../../../src/emulator/types.js";
import { NodeSha256 } from "../../unit/emulator-sts/smithy-sign.js";
import { startStsServer, type StsTestServer } from "./sts-server.js";

let srv: StsTestServer;
beforeAll(async () => { srv = await startStsServer(); });
afterAll(async () => { await srv.close(); });

/** Sends a form POST signed by @smithy/signature-v4 with the given credentials. */
async function post(creds: MintedCredentials | undefined, body: string) {
  const headers: Record<string, string> = { host: `127.0.0.1:${srv.port}`, "content-type": "application/x-www-form-urlencoded" };
  let sent = headers;
  if (creds) {
    const signer = new SignatureV4({ credentials: creds, region: "us-east-1", service: "sts", sha256: NodeSha256 });
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port: srv.port, path: "/", query: {}, headers, body });
    sent = signed.headers;
  }
  const { host: _host, ...wire } = sent;
  const res = await fetch(`${srv.endpoint}/`, { method: "POST", headers: wire, body });
  return { status: res.status, type: res.headers.get("content-type"), requestId: res.headers.get("x-amzn-requestid"), text: await res.text() };
}

describe("STS emulator wire format", () => {
  it("answers GetCallerIdentity as text/xml in the STS namespace, with x-amzn-RequestId", async () => {
    const creds = srv.mint({ sessionName: "wire" });
    const before = srv.audit.length;
    const r = await post(creds, "Action=GetCallerIdentity&Version=2011-06-15");
    expect(r.status).toBe(200);
    expect(r.type).toBe("text/xml");
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.text).toBe(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
      "  <GetCallerIdentityResult>\n" +
      `    <Arn>${creds.assumedRoleArn}</Arn>\n    <UserId>${creds.assumedRoleId}</UserId>\n    <Account>123456789012</Account>\n` +
      "  </GetCallerIdentityResult>\n" +
      `  <ResponseMetadata>\n    <RequestId>${r.requestId}</RequestId>\n  </ResponseMetadata>\n` +
      "</GetCallerIdentityResponse>\n");
    expect(srv.audit.slice(before)).toEqual([expect.objectContaining({
      operation: "GetCallerIdentity", outcome: "success", status: 200, requestId: r.requestId,
      accessKeyId: creds.accessKeyId, roleArn: creds.roleArn,
    })]);
  });

  it("answers an unsigned request with MissingAuthenticationToken in the ErrorResponse shape", async () => {
    const r = await post(undefined, "Action=GetCallerIdentity&Version=2011-06-15");
    expect(r.status).toBe(403);
    expect(r.type).toBe("text/xml");
    expect(r.text).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
      "  <Error>\n    <Type>Sender</Type>\n    <Code>MissingAuthenticationToken</Code>\n" +
      "    <Message>Request is missing Authentication Token</Message>\n  </Error>\n" +
      `  <RequestId>${r.requestId}</RequestId>\n</ErrorResponse>\n`);
    expect(srv.audit.at(-1)).toMatchObject({ operation: "GetCallerIdentity", outcome: "failure", status: 403, errorCode: "MissingAuthenticationToken" });
  });

  it("answers an unknown Action with InvalidAction and escapes what it echoes", async () => {
    const creds = srv.mint();
    const r = await post(creds, `Action=${encodeURIComponent("<Get&Secret>")}&Version=2011-06-15`);
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>InvalidAction</Code>");
    expect(r.text).toContain("<Message>Could not find operation &lt;Get&amp;Secret&gt; for version 2011-06-15</Message>");
    expect(srv.audit.at(-1)).toMatchObject({ operation: "Unknown", errorCode: "InvalidAction", accessKeyId: creds.accessKeyId });
    const noVersion = await post(creds, "Action=GetCallerIdentity");
    expect(noVersion.text).toContain("<Message>Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED</Message>");
  });

  it("writes one audit entry per request and never a secret key or session token", async () => {
    const creds = srv.mint();
    const before = srv.audit.length;
    const assumed = await post(creds, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftarget&RoleSessionName=audit");
    const newSecret = /<SecretAccessKey>([^<]+)</.exec(assumed.text)?.[1];
    const newToken = /<SessionToken>([^<]+)</.exec(assumed.text)?.[1];
    expect(newSecret).toHaveLength(40);
    await post({ ...creds, secretAccessKey: creds.secretAccessKey.toLowerCase() + "x" }, "Action=GetCallerIdentity&Version=2011-06-15");
    await post(creds, "Action=AssumeRole&Version=2011-06-15&RoleSessionName=audit");
    const entries = srv.audit.slice(before);
    expect(entries.map((e) => [e.operation, e.outcome, e.errorCode])).toEqual([
      ["AssumeRole", "success", undefined],
      ["GetCallerIdentity", "failure", "SignatureDoesNotMatch"],
      ["AssumeRole", "failure", "ValidationError"],
    ]);
    expect(entries[0]).toMatchObject({ roleArn: "arn:aws:iam::123456789012:role/target", accessKeyId: creds.accessKeyId });
    const all = JSON.stringify(srv.audit);
    for (const secret of [creds.secretAccessKey, creds.sessionToken, newSecret!, newToken!]) expect(all).not.toContain(secret);
  });
});
