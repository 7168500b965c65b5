import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGEMENT_OPERATIONS } from "../../../src/emulator/management/handler.js";
import { SERVICE_MODEL } from "../../../src/emulator/management/service-model.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";

// One bad input for every operation of the model, sent by boto3 (botocore's own
// REST-JSON serializer and SigV4 signer) with its client-side validation off, so
// that the emulator's model-driven validation answers: ValidationException with
// the service's message naming the member.

const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;
const UUID = "00000000-0000-4000-8000-000000000000";

/** Operation → [parameters, the member the message must name]. */
const BAD: Record<string, [Record<string, unknown>, string]> = {
  CreateProfile: [{ name: "bad name!", roleArns: ["arn:aws:iam::123456789012:role/ok"] }, "name"],
  CreateTrustAnchor: [{ name: "ta", source: { sourceType: "NOT_A_TYPE", sourceData: { x509CertificateData: "x" } } }, "source.sourceType"],
  DeleteAttributeMapping: [{ profileId: UUID, certificateField: "x509Bogus" }, "certificateField"],
  DeleteCrl: [{ crlId: "abc" }, "crlId"],
  DeleteProfile: [{ profileId: "abc" }, "profileId"],
  DeleteTrustAnchor: [{ trustAnchorId: "abc" }, "trustAnchorId"],
  DisableCrl: [{ crlId: "abc" }, "crlId"],
  DisableProfile: [{ profileId: "abc" }, "profileId"],
  DisableTrustAnchor: [{ trustAnchorId: "abc" }, "trustAnchorId"],
  EnableCrl: [{ crlId: "abc" }, "crlId"],
  EnableProfile: [{ profileId: "abc" }, "profileId"],
  EnableTrustAnchor: [{ trustAnchorId: "abc" }, "trustAnchorId"],
  GetCrl: [{ crlId: "abc" }, "crlId"],
  GetProfile: [{ profileId: "abc" }, "profileId"],
  GetSubject: [{ subjectId: "abc" }, "subjectId"],
  GetTrustAnchor: [{ trustAnchorId: "abc" }, "trustAnchorId"],
  ImportCrl: [{ name: "crl", crlData: "AAAA", trustAnchorArn: "arn:aws:iam::123456789012:role/not-an-anchor" }, "trustAnchorArn"],
  ListCrls: [{ nextToken: "x".repeat(10001) }, "nextToken"],
  ListProfiles: [{ nextToken: "x".repeat(10001) }, "nextToken"],
  ListSubjects: [{ nextToken: "x".repeat(10001) }, "nextToken"],
  ListTagsForResource: [{ resourceArn: "a".repeat(1012) }, "resourceArn"],
  ListTrustAnchors: [{ nextToken: "x".repeat(10001) }, "nextToken"],
  PutAttributeMapping: [{ profileId: UUID, certificateField: "x509Subject", mappingRules: [{ specifier: "s".repeat(61) }] }, "mappingRules.1.member.specifier"],
  PutNotificationSettings: [{ trustAnchorId: UUID, notificationSettings: [{ enabled: true, event: "CA_CERTIFICATE_EXPIRY", threshold: 999 }] }, "notificationSettings.1.member.threshold"],
  ResetNotificationSettings: [{ trustAnchorId: UUID, notificationSettingKeys: [{ event: "NOT_AN_EVENT" }] }, "notificationSettingKeys.1.member.event"],
  TagResource: [{ resourceArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/x", tags: [{ key: "bad key!", value: "v" }] }, "tags.1.member.key"],
  UntagResource: [{ resourceArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/x", tagKeys: ["k".repeat(129)] }, "tagKeys.1.member"],
  UpdateCrl: [{ crlId: UUID, name: "bad name!" }, "name"],
  UpdateProfile: [{ profileId: UUID, durationSeconds: 5 }, "durationSeconds"],
  UpdateTrustAnchor: [{ trustAnchorId: UUID, name: "x".repeat(256) }, "name"],
};

const SCRIPT = `
import json, os, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
c = boto3.client("rolesanywhere", endpoint_url=os.environ["EMU"], region_name="us-east-1",
    config=Config(parameter_validation=False, retries={"max_attempts": 1}))
out = {}
for op, params in json.load(sys.stdin).items():
    name = "".join("_" + ch.lower() if ch.isupper() else ch for ch in op).lstrip("_")
    if "crlData" in params: params["crlData"] = b"\\0"
    try:
        getattr(c, name)(**params)
        out[op] = ["no error", ""]
    except ClientError as e:
        out[op] = [e.response["Error"]["Code"], e.response["Error"].get("Message", "")]
print(json.dumps(out))
`;

describe.skipIf(!hasBoto3)("management API validation (boto3; needs python3 with boto3)", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ empty: true });
  });
  afterAll(() => emu.close());

  it("has a bad-input case for every operation of the model", () => {
    expect(Object.keys(BAD).sort()).toEqual(MANAGEMENT_OPERATIONS);
    expect(MANAGEMENT_OPERATIONS).toEqual(Object.keys(SERVICE_MODEL.operations).sort());
  });

  it("answers each with ValidationException naming the member, in the service's wording", async () => {
    const input = Object.fromEntries(Object.entries(BAD).map(([op, [params]]) => [op, params]));
    // Asynchronously: the emulator answers from this process's event loop.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("python3", ["-c", SCRIPT], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, EMU: emu.endpoint, AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(JSON.stringify(input));
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, [string, string]>;
    for (const [op, [, member]] of Object.entries(BAD)) {
      const [code, message] = out[op]!;
      expect(code, `${op}: ${message}`).toBe("ValidationException");
      expect(message, op).toMatch(new RegExp(`^\\d+ validation errors? detected: .*Value .* at '${member.replace(/\./g, "\\.")}' failed to satisfy constraint: Member must`));
    }
    expect(out.GetCrl![1]).toBe(
      "2 validation errors detected: Value 'abc' at 'crlId' failed to satisfy constraint: Member must have length greater than or equal to 36; " +
        "Value 'abc' at 'crlId' failed to satisfy constraint: Member must satisfy regular expression pattern: .*[a-f0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}.*",
    );
    expect(out.CreateProfile![1]).toBe("1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [ a-zA-Z0-9-_]*");
  });
});
