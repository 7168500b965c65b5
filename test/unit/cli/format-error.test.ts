import { describe, expect, it } from "vitest";
import { formatError } from "../../../src/cli/format-error.js";
import { ConfigError, messageNaming, settingFlag } from "../../../src/errors.js";
import { parseTrustAnchorArn } from "../../../src/session/arn.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { errorOf } from "../../helpers/errors.js";

const ARNS = {
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta",
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
  roleArn: "arn:aws:iam::123456789012:role/r",
};

describe("settings named by each front end", () => {
  it("an error about a setting carries its id and the detail; the library's message names the option", () => {
    const e = errorOf(() => parseTrustAnchorArn("nope"), ConfigError);
    expect(e.setting).toBe("trustAnchorArn");
    expect(e.detail).toMatch(/^expected arn:<partition>:rolesanywhere:/);
    expect(e.message).toBe(`trustAnchorArn: ${e.detail}`);
  });

  it("the CLI names the flag, in the message line; the hint names no setting", () => {
    const e = errorOf(() => resolveSessionConfig({ ...ARNS, durationSeconds: 10 }, {}), ConfigError);
    expect(e.setting).toBe("durationSeconds");
    expect(formatError(e, "signing-helper", false)).toBe(
      "signing-helper: --session-duration: expected whole seconds from 900 to 43200, got 10\n" +
        "hint: the profile's duration and the role's maximum session duration may limit it further\n",
    );
  });

  it("every setting with a CLI flag maps to it; the others keep their id", () => {
    const cases = [
      [{ region: "Not A Region" }, "--region: expected a region name"],
      [{ endpoint: "ftp://x" }, "--endpoint: expected an http:// or https:// URL"],
      [{ roleSessionName: "a b" }, "--role-session-name: expected 2-64 characters"],
      [{ roleArn: "arn:aws:iam::123456789012:user/u" }, "--role-arn: expected arn:"],
      [{ profileArn: "x" }, "--profile-arn: expected arn:"],
      [{ timeoutMs: -1 }, "timeoutMs: expected a number from 1 to"],
    ] as const;
    for (const [change, start] of cases) {
      const e = errorOf(() => resolveSessionConfig({ ...ARNS, ...change }, {}), ConfigError);
      expect(messageNaming(e, settingFlag)).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    }
  });

  it("an error about no setting (or from the environment) is shown as it is", () => {
    const e = errorOf(() => resolveSessionConfig(ARNS, { AWS_USE_FIPS_ENDPOINT: "maybe" }), ConfigError);
    expect(e.setting).toBeUndefined();
    expect(messageNaming(e, settingFlag)).toBe(e.message);
    expect(e.message).toMatch(/^AWS_USE_FIPS_ENDPOINT: /);
  });
});
