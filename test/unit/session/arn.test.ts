import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { parseProfileArn, parseRoleArn, parseSessionArns, parseTrustAnchorArn } from "../../../src/session/arn.js";
import { errorOf as thrownBy } from "../../helpers/errors.js";

const TA = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/66666666-7777-8888-9999-000000000000";
const PROFILE = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555";
const ROLE = "arn:aws:iam::210987654321:role/ExampleRole";

const errorOf = (fn: () => unknown) => thrownBy(fn, ConfigError);

describe("arn", () => {
  it("parses a trust anchor ARN into its parts", () => {
    expect(parseTrustAnchorArn(TA)).toEqual({
      arn: TA,
      partition: "aws",
      service: "rolesanywhere",
      region: "us-east-1",
      accountId: "123456789012",
      resource: "trust-anchor/66666666-7777-8888-9999-000000000000",
    });
  });

  it("parses China and GovCloud ARNs", () => {
    expect(parseProfileArn("arn:aws-cn:rolesanywhere:cn-north-1:123456789012:profile/p1").partition).toBe("aws-cn");
    expect(parseTrustAnchorArn("arn:aws-us-gov:rolesanywhere:us-gov-west-1:123456789012:trust-anchor/t").region).toBe("us-gov-west-1");
    expect(parseRoleArn("arn:aws-iso-b:iam::123456789012:role/r").partition).toBe("aws-iso-b");
  });

  it("accepts a role with a path", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/team/app/Deploy-Role+x=y,z.@_").resource).toBe(
      "role/team/app/Deploy-Role+x=y,z.@_",
    );
  });

  it("shows the expected trust anchor pattern and the bad value", () => {
    const e = errorOf(() => parseTrustAnchorArn("arn:aws:rolesanywhere:us-east-1:123456789012:profile/x"));
    expect(e.message).toBe(
      "trustAnchorArn: expected arn:<partition>:rolesanywhere:<region>:<account>:trust-anchor/<id>, got 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/x'",
    );
    expect(e.code).toBe("INVALID_ARN");
    expect(e.hint).toMatch(/console/);
  });

  it("shows the expected profile pattern", () => {
    expect(errorOf(() => parseProfileArn("profile/x")).message).toBe(
      "profileArn: expected arn:<partition>:rolesanywhere:<region>:<account>:profile/<id>, got 'profile/x'",
    );
  });

  it("shows the expected role pattern, for a role ARN with a region", () => {
    expect(errorOf(() => parseRoleArn("arn:aws:iam:us-east-1:123456789012:role/r")).message).toBe(
      "roleArn: expected arn:<partition>:iam::<account>:role/<name>, got 'arn:aws:iam:us-east-1:123456789012:role/r'",
    );
  });

  it.each([
    ["an 11-digit account", "arn:aws:rolesanywhere:us-east-1:12345678901:trust-anchor/x"],
    ["an empty id", "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/"],
    ["another service", "arn:aws:iam:us-east-1:123456789012:trust-anchor/x"],
    ["a foreign partition", "arn:gcp:rolesanywhere:us-east-1:123456789012:trust-anchor/x"],
    ["trailing spaces", `${TA} `],
    ["an empty string", ""],
  ])("rejects a trust anchor ARN with %s", (_, value) => {
    expect(() => parseTrustAnchorArn(value)).toThrow(ConfigError);
  });

  it("escapes control characters and cuts long values in the message", () => {
    expect(errorOf(() => parseProfileArn("a\nb")).message).toContain("got 'a\\x0ab'");
    const long = errorOf(() => parseProfileArn("x".repeat(500))).message;
    expect(long).toContain(`got '${"x".repeat(200)}…'`);
  });

  it("returns the role's account as AccountId", () => {
    expect(parseSessionArns({ trustAnchorArn: TA, profileArn: PROFILE, roleArn: ROLE }).accountId).toBe("210987654321");
  });

  it("refuses a profile in another region than the trust anchor", () => {
    const e = errorOf(() => parseSessionArns({ trustAnchorArn: TA, profileArn: PROFILE.replace("us-east-1", "us-west-2"), roleArn: ROLE }));
    expect(e.message).toBe("trust anchor and profile regions don't match: trust anchor in region us-east-1, profile in region us-west-2");
    expect(e.hint).toMatch(/same|one partition, region and account/);
  });

  it("refuses a profile in another account than the trust anchor", () => {
    const e = errorOf(() => parseSessionArns({ trustAnchorArn: TA, profileArn: PROFILE.replace("123456789012", "999999999999"), roleArn: ROLE }));
    expect(e.message).toBe("trust anchor and profile accounts don't match: trust anchor in account 123456789012, profile in account 999999999999");
  });

  it("refuses a profile in another partition than the trust anchor", () => {
    const e = errorOf(() =>
      parseSessionArns({ trustAnchorArn: TA, profileArn: PROFILE.replace("arn:aws:", "arn:aws-cn:"), roleArn: ROLE }),
    );
    expect(e.message).toBe("trust anchor and profile partitions don't match: trust anchor in partition aws, profile in partition aws-cn");
  });

  it("refuses a role of another partition", () => {
    const e = errorOf(() => parseSessionArns({ trustAnchorArn: TA, profileArn: PROFILE, roleArn: "arn:aws-cn:iam::123456789012:role/r" }));
    expect(e.message).toBe("roleArn: partition aws-cn differs from the trust anchor's partition aws");
  });

  it("reports the trust anchor first when several ARNs are bad", () => {
    expect(errorOf(() => parseSessionArns({ trustAnchorArn: "x", profileArn: "y", roleArn: "z" })).message).toMatch(/^trustAnchorArn:/);
  });
});
