import { describe, expect, it } from "vitest";
import { commands } from "../../../src/cli/commands/index.js";
import { SETTINGS_OF_OTHER_COMMANDS } from "../../../src/cli/config-profile.js";
import { configFilePath, profileKey, profileSettings } from "../../../src/credentials/config-profile.js";
import { ConfigError } from "../../../src/errors.js";

describe("profileSettings", () => {
  const text = [
    "[default]",
    "rolesanywhere_role_arn = arn:aws:iam::1:role/default",
    "[profile ra]",
    "region = us-east-1",
    "ROLESANYWHERE_TRUST_ANCHOR_ARN = arn:ta",
    "rolesanywhere_assume_role = arn:a, arn:b",
    "credential_process = signing-helper credential-process --config-profile ra",
    "[ra]",
    "rolesanywhere_role_arn = not-a-config-file-section",
    "",
  ].join("\n");
  it("reads our keys of [profile NAME] (keys case-insensitive, as botocore) and only ours", () => {
    expect([...profileSettings(text, "ra", "cfg")]).toEqual([
      ["trust-anchor-arn", "arn:ta"],
      ["assume-role", "arn:a, arn:b"],
    ]);
  });
  it("reads [default] for the name default, and refuses a missing profile listing the others", () => {
    expect(profileSettings(text, "default", "cfg").get("role-arn")).toBe("arn:aws:iam::1:role/default");
    expect(() => profileSettings(text, "nope", "cfg")).toThrow(ConfigError);
    expect(() => profileSettings(text, "nope", "cfg")).toThrow("profile 'nope' is not in cfg");
  });
  it("maps setting names to keys, and finds the config file as the AWS CLI does", () => {
    expect(profileKey("trust-anchor-arn")).toBe("rolesanywhere_trust_anchor_arn");
    expect(configFilePath({ HOME: "/h" })).toBe("/h/.aws/config");
    expect(configFilePath({ HOME: "/h", AWS_CONFIG_FILE: "~/other" })).toBe("/h/other");
    expect(configFilePath({ AWS_CONFIG_FILE: "/etc/aws" })).toBe("/etc/aws");
    expect(() => configFilePath({})).toThrow(/HOME is not set/);
  });
});

describe("SETTINGS_OF_OTHER_COMMANDS", () => {
  it("names only flags that some credential command takes and another does not, and most of them", async () => {
    const flagSets = new Map<string, Set<string>>();
    for (const [name, entry] of Object.entries(commands)) {
      const mod = await entry.load();
      if (mod.flags.some((f) => f.name === "config-profile")) flagSets.set(name, new Set(mod.flags.filter((f) => !f.hidden).map((f) => f.name)));
    }
    expect([...flagSets.keys()].sort()).toEqual(expect.arrayContaining(["credential-process", "doctor", "serve", "update"]));
    const all = new Set([...flagSets.values()].flatMap((s) => [...s]));
    const inEvery = [...all].filter((f) => [...flagSets.values()].every((s) => s.has(f)));
    const notInEvery = [...all].filter((f) => !inEvery.includes(f)).sort();
    expect(notInEvery).toEqual(expect.arrayContaining([...SETTINGS_OF_OTHER_COMMANDS]));
    expect(SETTINGS_OF_OTHER_COMMANDS.length).toBeGreaterThanOrEqual(notInEvery.length - 8);
  });
});
