import { describe, expect, it } from "vitest";
import { longTermKeysReason } from "../../../../src/outputs/credentials-file/long-term-keys.js";

describe("longTermKeysReason", () => {
  it("names an AKIA key and a key without a session token; lets temporary credentials and other profiles through", () => {
    const file = [
      "[user]",
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
      "aws_secret_access_key = s",
      "[notoken]",
      "AWS_ACCESS_KEY_ID = ASIAX",
      "aws_secret_access_key = s",
      "aws_session_token =",
      "[temp]",
      "aws_access_key_id = ASIAX",
      "aws_secret_access_key = s",
      "aws_session_token = t",
      "[region-only]",
      "region = us-east-1",
      "",
    ].join("\n");
    expect(longTermKeysReason(file, "user")).toBe("an IAM user's access key (AKIA…)");
    expect(longTermKeysReason(file, "notoken")).toBe("an access key without a session token");
    expect(longTermKeysReason(file, "temp")).toBeUndefined();
    expect(longTermKeysReason(file, "region-only")).toBeUndefined();
    expect(longTermKeysReason(file, "missing")).toBeUndefined();
    expect(longTermKeysReason("", "default")).toBeUndefined();
  });
});
