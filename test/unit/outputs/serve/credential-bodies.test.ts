import { describe, expect, it } from "vitest";
import type { Credentials } from "../../../../src/credentials/types.js";
import { containerCredentialsBody, formatAwsTimestamp, imdsCredentialsBody } from "../../../../src/outputs/serve/credential-bodies.js";
import { tokensMatch } from "../../../../src/outputs/serve/container-handler.js";
import { Secret } from "../../../../src/secret.js";

const creds: Credentials = {
  accessKeyId: "ASIAUNITTEST0000",
  secretAccessKey: new Secret("unit-secret"),
  sessionToken: new Secret("unit-session-token"),
  expiration: new Date("2032-02-29T23:59:59.999Z"),
  expirationRaw: "2032-02-29T23:59:59.999Z",
  accountId: "210987654321",
  roleArn: "arn:aws:iam::210987654321:role/unit",
};

describe("formatAwsTimestamp", () => {
  it("prints UTC whole seconds with a Z, truncating milliseconds", () => {
    expect(formatAwsTimestamp(new Date("2032-02-29T23:59:59.999Z"))).toBe("2032-02-29T23:59:59Z");
    expect(formatAwsTimestamp(Date.UTC(2030, 0, 1, 0, 0, 0))).toBe("2030-01-01T00:00:00Z");
  });
});

describe("imdsCredentialsBody", () => {
  it("has the IMDS fields in IMDS order with Code Success and Type AWS-HMAC", () => {
    const body = imdsCredentialsBody(creds, Date.UTC(2032, 1, 29, 23, 0, 0));
    expect(JSON.stringify(body)).toBe(
      '{"AccessKeyId":"ASIAUNITTEST0000","SecretAccessKey":"unit-secret","Token":"unit-session-token",' +
        '"Code":"Success","Type":"AWS-HMAC","Expiration":"2032-02-29T23:59:59Z","LastUpdated":"2032-02-29T23:00:00Z"}',
    );
  });
});

describe("containerCredentialsBody", () => {
  it("has the container fields in order, with the given account and role", () => {
    const body = containerCredentialsBody(creds, { accountId: "210987654321", roleArn: "arn:aws:iam::210987654321:role/unit" });
    expect(JSON.stringify(body)).toBe(
      '{"AccessKeyId":"ASIAUNITTEST0000","SecretAccessKey":"unit-secret","Token":"unit-session-token",' +
        '"Expiration":"2032-02-29T23:59:59Z","AccountId":"210987654321","RoleArn":"arn:aws:iam::210987654321:role/unit"}',
    );
  });
});

describe("tokensMatch", () => {
  it("matches only the exact value, whatever the lengths", () => {
    expect(tokensMatch("abc", "abc")).toBe(true);
    expect(tokensMatch("abc", "abd")).toBe(false);
    expect(tokensMatch("ab", "abc")).toBe(false);
    expect(tokensMatch("abcd", "abc")).toBe(false);
    expect(tokensMatch("", "abc")).toBe(false);
    expect(tokensMatch("ABC", "abc")).toBe(false);
  });
});
