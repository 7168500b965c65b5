import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { MintedCredentials } from "../../../src/emulator/types.js";
import { ACCOUNT, startStsServer, TARGET_ROLE_ARN, type StsTestServer } from "./sts-server.js";

let srv: StsTestServer;
beforeAll(async () => { srv = await startStsServer(); });
afterAll(async () => { await srv.close(); });

function client(c: Pick<MintedCredentials, "accessKeyId" | "secretAccessKey" | "sessionToken">, region = "us-east-1") {
  return new STSClient({
    region,
    endpoint: srv.endpoint,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
    maxAttempts: 1,
  });
}

type SdkError = { name: string; message: string; $metadata: { httpStatusCode?: number; requestId?: string } };
/** The error a call was refused with; fails the test when the call succeeds. */
async function refusal(p: Promise<unknown>): Promise<SdkError> {
  return p.then(
    () => { throw new Error("expected the call to be refused"); },
    (e: unknown) => e as SdkError,
  );
}

describe("STS emulator with @aws-sdk/client-sts", () => {
  it("refuses a request signed for another region than the emulator's with SignatureDoesNotMatch", async () => {
    const creds = srv.mint();
    const err = await refusal(client(creds, "eu-west-3").send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
    expect(err.message).toBe("Credential should be scoped to a valid region. ");
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it("answers GetCallerIdentity with the minted session's Arn, UserId and Account", async () => {
    const creds = srv.mint({ sessionName: "sdk-session" });
    const out = await client(creds).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/sdk-session`);
    expect(out.Account).toBe(ACCOUNT);
    expect(out.UserId).toBe(creds.assumedRoleId);
    expect(out.UserId).toMatch(/^AROA[A-Z2-7]{17}:sdk-session$/);
  });

  it("AssumeRole returns new working credentials for the target role", async () => {
    const creds = srv.mint();
    const out = await client(creds).send(new AssumeRoleCommand({
      RoleArn: TARGET_ROLE_ARN, RoleSessionName: "chained", DurationSeconds: 1800, SourceIdentity: "alice",
    }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/target/chained`);
    expect(out.SourceIdentity).toBe("alice");
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(Math.abs(c.Expiration!.getTime() - (srv.clock.now() + 1800_000))).toBeLessThan(1500);
    const who = await client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! })
      .send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(out.AssumedRoleUser?.Arn);
    expect(who.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
  });

  it("surfaces the STS error code and message for a refused AssumeRole", async () => {
    const creds = srv.mint();
    const err = await refusal(client(creds)
      .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/unknown`, RoleSessionName: "x1" })));
    expect(err).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(err.message).toBe(`User: ${creds.assumedRoleArn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/unknown`);
    expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidClientTokenId", async () => {
    const creds = srv.mint();
    const wrong = await refusal(client({ ...creds, secretAccessKey: (creds.secretAccessKey[0] === "x" ? "y" : "x") + creds.secretAccessKey.slice(1) })
      .send(new GetCallerIdentityCommand({})));
    expect(wrong.name).toBe("SignatureDoesNotMatch");
    const unknown = await refusal(client({ ...creds, accessKeyId: "ASIAZZZZZZZZZZZZZZZZ" })
      .send(new GetCallerIdentityCommand({})));
    expect(unknown).toMatchObject({ name: "InvalidClientTokenId", message: "The security token included in the request is invalid." });
  });
});
