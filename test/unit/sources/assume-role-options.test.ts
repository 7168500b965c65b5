import { describe, expect, it } from "vitest";
import { assumeRoleParams, resolveHops, sessionNameFor, type AssumeRoleHopInit, type HopNamer } from "../../../src/sources/assume-role/options.js";
import { queryBody } from "../../../src/sources/sts/client.js";

const B = "arn:aws:iam::444455556666:role/B";
const one = (hop: Partial<AssumeRoleHopInit>, chainedFirst = true) => resolveHops([{ roleArn: B, ...hop }], { chainedFirst });
const cli: HopNamer = (s, i, n) =>
  s === "roleArn" ? `--assume-role${n > 1 ? ` #${i + 1}` : ""}` : ({ roleSessionName: "--assume-role-session-name", externalId: "--external-id", durationSeconds: "--assume-role-duration" } as Record<string, string>)[s] ?? s;

describe("AssumeRole hop options", () => {
  it("accepts a full hop and fills the defaults", () => {
    const [h] = resolveHops(
      [{ roleArn: B, roleSessionName: "ci.job@1", externalId: "ext-123:/x", sourceIdentity: "alice", tags: { team: "core", "cost center": "4 2" }, transitiveTagKeys: ["team"], policy: '{ "Version": "2012-10-17", "Statement": [] }', policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], durationSeconds: 900 }],
      { chainedFirst: true },
    );
    expect(h).toMatchObject({ accountId: "444455556666", partition: "aws", chained: true, durationSeconds: 900, policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect(h!.tags).toEqual([{ key: "team", value: "core" }, { key: "cost center", value: "4 2" }]);
    expect(one({})[0]).toMatchObject({ durationSeconds: 3600, tags: [], policyArns: [], transitiveTagKeys: [] });
  });

  it("names the setting the way the caller does (library paths by default, CLI flags when given)", () => {
    expect(() => resolveHops([{ roleArn: B }, { roleArn: "arn:aws:iam::1:role/x" }], { chainedFirst: true })).toThrow(
      "assumeRole[1].roleArn: expected arn:<partition>:iam::<account>:role/<name>, got 'arn:aws:iam::1:role/x'",
    );
    expect(() => resolveHops([{ roleArn: B }, { roleArn: "nope" }], { chainedFirst: true, name: cli })).toThrow(/^--assume-role #2: expected/);
  });

  it("checks the session name, external id and source identity as STS does", () => {
    expect(() => one({ roleSessionName: "a" })).toThrow("assumeRole[0].roleSessionName: expected 2-64 characters among letters, digits and + = , . @ _ -, got 'a'");
    expect(() => one({ roleSessionName: "x".repeat(65) })).toThrow(/roleSessionName/);
    expect(() => one({ roleSessionName: "has space" })).toThrow(/roleSessionName/);
    expect(() => one({ externalId: "x" })).toThrow("assumeRole[0].externalId: expected 2-1224 characters among letters, digits and + = , . @ : / _ -, got 'x'");
    expect(() => one({ externalId: "x".repeat(1225) })).toThrow(/externalId/);
    expect(one({ externalId: "x".repeat(1224) })[0]!.externalId).toHaveLength(1224);
    expect(() => one({ sourceIdentity: "aws:me" })).toThrow("assumeRole[0].sourceIdentity: expected 2-64 characters among letters, digits and + = , . @ _ -, got 'aws:me'");
  });

  it("checks tag keys, values, count, duplicates without case and transitive keys", () => {
    expect(() => one({ tags: { "": "v" } })).toThrow(/tag key '' must be 1-128/);
    expect(() => one({ tags: { k: "v".repeat(257) } })).toThrow(/value of tag 'k' must be 0-256/);
    expect(() => one({ tags: { "k!": "v" } })).toThrow(/tag key 'k!'/);
    expect(() => one({ tags: [{ key: "Team", value: "a" }, { key: "team", value: "b" }] })).toThrow("assumeRole[0].tags: tag key 'team' is given twice (STS compares tag keys without case)");
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(() => one({ tags: many })).toThrow("assumeRole[0].tags: 51 session tags given; STS takes at most 50");
    expect(one({ tags: Object.fromEntries(Object.entries(many).slice(0, 50)) })[0]!.tags).toHaveLength(50);
    expect(() => one({ tags: { a: "1" }, transitiveTagKeys: ["b"] })).toThrow("assumeRole[0].transitiveTagKeys: 'b' is not the key of a session tag of this hop");
  });

  it("refuses an invalid or oversized session policy locally", () => {
    expect(() => one({ policy: "{not json" })).toThrow(/^assumeRole\[0\]\.policy: not valid JSON/);
    expect(() => one({ policy: "[]" })).toThrow(/must be a JSON object/);
    const big = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "x".repeat(2048) }] };
    expect(() => one({ policy: big })).toThrow(/characters once compacted; STS takes at most 2048/);
    expect(() => one({ policyArns: ["arn:aws:iam::aws:role/x"] })).toThrow(/policyArns: expected arn:<partition>:iam::<account or aws>:policy\/<name>/);
    expect(() => one({ policyArns: Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/p${i}`) })).toThrow(/11 policy ARNs given; STS takes at most 10/);
  });

  it("refuses more than 3600 seconds on a role-chained hop, with STS's reason (7200 is the documented example)", () => {
    expect(() => one({ durationSeconds: 7200 })).toThrow(
      "assumeRole[0].durationSeconds: 7200 seconds asked, but this hop is role chaining (it assumes a role with role credentials), which STS limits to 3600 seconds and refuses above that",
    );
    try {
      resolveHops([{ roleArn: B, durationSeconds: 7200 }], { chainedFirst: true, name: cli });
    } catch (err) {
      expect((err as Error).message).toMatch(/^--assume-role-duration: 7200 seconds asked/);
      expect((err as { hint?: string }).hint).toBe("ask for 900-3600 seconds; the role's maximum session duration does not lift this limit");
    }
    // The first hop after long-term keys is not chaining: STS decides by the role's maximum.
    expect(one({ durationSeconds: 7200 }, false)[0]!.durationSeconds).toBe(7200);
    expect(() => resolveHops([{ roleArn: B }, { roleArn: B, durationSeconds: 7200 }], { chainedFirst: false })).toThrow(/assumeRole\[1\]\.durationSeconds: 7200/);
    expect(() => one({ durationSeconds: 899 })).toThrow("assumeRole[0].durationSeconds: expected whole seconds from 900 to 43200, got 899");
  });

  it("refuses a role of another partition than the base credentials'", () => {
    expect(() => resolveHops([{ roleArn: "arn:aws-cn:iam::444455556666:role/B" }], { chainedFirst: true, partition: "aws" })).toThrow(
      "assumeRole[0].roleArn: partition aws-cn differs from the base credentials' partition aws",
    );
  });

  it("encodes the query-protocol parameters as the SDKs do", () => {
    const [h] = one({ externalId: "e/1", sourceIdentity: "alice", tags: { "cost center": "a+b" }, transitiveTagKeys: ["cost center"], policyArns: ["arn:aws:iam::aws:policy/P"], policy: { a: "*" } });
    expect(queryBody("AssumeRole", assumeRoleParams(h!, "s1"))).toBe(
      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FB&RoleSessionName=s1" +
        "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP&Policy=%7B%22a%22%3A%22%2A%22%7D&DurationSeconds=3600" +
        "&Tags.member.1.Key=cost%20center&Tags.member.1.Value=a%2Bb&TransitiveTagKeys.member.1=cost%20center&ExternalId=e%2F1&SourceIdentity=alice",
    );
    expect(sessionNameFor(one({})[0]!, 1700000000123)).toBe("signing-helper-1700000000123");
  });
});
