import { describe, expect, it } from "vitest";
import { inputVariable, readActionInputs, readBoolean, secretInputLines } from "../../../src/action/inputs.js";
import { ConfigError } from "../../../src/errors.js";

const base = {
  "INPUT_CERTIFICATE": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  "INPUT_TRUST-ANCHOR-ARN": " arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/ta ",
  "INPUT_PROFILE-ARN": "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p",
  "INPUT_ROLE-ARN": "arn:aws:iam::111122223333:role/r",
};

describe("Action inputs", () => {
  it("are read from INPUT_<NAME> as the runner sets them (upper case, hyphens kept, spaces as _)", () => {
    expect(inputVariable("private-key")).toBe("INPUT_PRIVATE-KEY");
    expect(inputVariable("a b")).toBe("INPUT_A_B");
  });

  it("map onto fromRolesAnywhere() options, trimmed, with empty inputs left out", () => {
    const { init, outputCredentials } = readActionInputs({
      ...base,
      "INPUT_PRIVATE-KEY": "KEY",
      "INPUT_SESSION-DURATION": "900",
      "INPUT_ROLE-SESSION-NAME": "ci-run",
      INPUT_REGION: "",
      INPUT_ENDPOINT: "http://127.0.0.1:1",
      "INPUT_OUTPUT-CREDENTIALS": "true",
    });
    expect(init).toEqual({
      certificate: base.INPUT_CERTIFICATE.trim(),
      privateKey: "KEY",
      trustAnchorArn: "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/ta",
      profileArn: base["INPUT_PROFILE-ARN"],
      roleArn: base["INPUT_ROLE-ARN"],
      durationSeconds: 900,
      roleSessionName: "ci-run",
      endpoint: "http://127.0.0.1:1",
    });
    expect(outputCredentials).toBe(true);
  });

  it("name the missing required input", () => {
    for (const name of ["certificate", "trust-anchor-arn", "profile-arn", "role-arn"]) {
      const env: Record<string, string> = { ...base, [inputVariable(name)]: "  " };
      expect(() => readActionInputs(env)).toThrow(new ConfigError(`input ${name} is required`, { hint: `set \`${name}:\` under \`with:\` in the step` }));
    }
  });

  it("refuse a session duration that is not a number and a boolean that is not true or false", () => {
    expect(() => readActionInputs({ ...base, "INPUT_SESSION-DURATION": "1h" })).toThrow(/session-duration must be a whole number of seconds, got "1h"/);
    expect(() => readBoolean({ "INPUT_OUTPUT-CREDENTIALS": "yes" }, "output-credentials", false)).toThrow(/must be true or false, got "yes"/);
    expect(readBoolean({ "INPUT_OUTPUT-CREDENTIALS": "False" }, "output-credentials", true)).toBe(false);
    expect(readBoolean({}, "output-credentials", false)).toBe(false);
  });

  it("list the private key's and password's lines to mask, without the PEM armour", () => {
    const lines = secretInputLines({
      "INPUT_PRIVATE-KEY": "-----BEGIN PRIVATE KEY-----\r\nMIGHAgEAMBMGByqGSM49\nAgEGCCqGSM49AwEHBG0w\n-----END PRIVATE KEY-----\n",
      "INPUT_PRIVATE-KEY-PASSWORD": "correct horse",
    });
    expect(lines).toEqual(["MIGHAgEAMBMGByqGSM49", "AgEGCCqGSM49AwEHBG0w", "correct horse"]);
  });

  it("map the role-chaining inputs as the CLI flags do: roles in order, duration for each hop, the rest for the last", () => {
    const { init } = readActionInputs({
      ...base,
      "INPUT_ASSUME-ROLE": "arn:aws:iam::444455556666:role/workload\n\n  arn:aws:iam::777788889999:role/deploy \n",
      "INPUT_ASSUME-ROLE-DURATION": "1800",
      "INPUT_ASSUME-ROLE-SESSION-NAME": "gh-42",
      "INPUT_EXTERNAL-ID": "ext-c",
      "INPUT_SOURCE-IDENTITY": "ci",
      "INPUT_SESSION-TAGS": "team=core\r\nstage = two\n",
      "INPUT_TRANSITIVE-TAG-KEYS": "team",
      "INPUT_SESSION-POLICY": '{"Version":"2012-10-17","Statement":[]}',
      "INPUT_SESSION-POLICY-ARNS": "arn:aws:iam::aws:policy/ReadOnlyAccess",
      "INPUT_STS-ENDPOINT": "http://127.0.0.1:2",
    });
    expect(init.stsEndpoint).toBe("http://127.0.0.1:2");
    expect(init.assumeRole).toEqual([
      { roleArn: "arn:aws:iam::444455556666:role/workload", durationSeconds: 1800 },
      {
        roleArn: "arn:aws:iam::777788889999:role/deploy",
        durationSeconds: 1800,
        roleSessionName: "gh-42",
        externalId: "ext-c",
        sourceIdentity: "ci",
        tags: [{ key: "team", value: "core" }, { key: "stage", value: "two" }],
        transitiveTagKeys: ["team"],
        policy: '{"Version":"2012-10-17","Statement":[]}',
        policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      },
    ]);
    expect(readActionInputs(base).init.assumeRole).toBeUndefined();
  });

  it("refuse a chaining input without assume-role, and a session tag that is not KEY=VALUE", () => {
    expect(() => readActionInputs({ ...base, "INPUT_EXTERNAL-ID": "x", "INPUT_ASSUME-ROLE-DURATION": "900" })).toThrow("input external-id, assume-role-duration need assume-role");
    expect(() => readActionInputs({ ...base, "INPUT_ASSUME-ROLE": "arn:aws:iam::444455556666:role/w", "INPUT_SESSION-TAGS": "team" })).toThrow(/each line must be KEY=VALUE, got "team"/);
  });
});
