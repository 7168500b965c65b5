/**
 * fromRolesAnywhere({ assumeRole }) and assumeRoleChain() against the emulator
 * (three accounts, role trust): one CreateSession and one AssumeRole per hop for
 * 100 concurrent callers; tags, transitive tags and the source identity as the
 * audit log records them on the second hop; a real SDK client with the result.
 */
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CredentialsProviderError } from "@smithy/property-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { fromRolesAnywhere } from "../../../src/provider/from-roles-anywhere.js";
import { assumeRoleChain } from "../../../src/provider/assume-role-chain.js";
import { cleanEnv, makePki, type TestPki } from "./support.js";
import type { IssuedCertificate } from "../../../src/pki/index.js";

const A = "arn:aws:iam::111122223333:role/central";
const B = "arn:aws:iam::444455556666:role/workload";
const C = "arn:aws:iam::777788889999:role/deploy";
const POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }] };

let pki: TestPki;
let client: IssuedCertificate;
let emu: RunningEmulator;

beforeAll(async () => {
  pki = await makePki();
  client = await pki.issue("chain provider client");
  emu = await startEmulator({
    config: {
      accountId: "111122223333",
      trustAnchors: [{ name: "ta", certificates: [pki.root.certPem] }],
      profiles: [{ name: "p", roleArns: [A] }],
      roles: [
        { arn: B, maxSessionDuration: 43200, trust: { principals: [A], requiredTagKeys: ["team"] } },
        { arn: C, trust: { principals: [B], externalId: "ext-c", requiredTagKeys: ["team"] } },
      ],
    },
  });
});
afterAll(async () => {
  await emu?.close();
});

const base = () => ({
  certificate: client.certPem,
  privateKey: client.keyPem,
  trustAnchorArn: emu.trustAnchorArn,
  profileArn: emu.profileArn,
  roleArn: A,
  endpoint: emu.endpoint,
  env: cleanEnv(),
  logger: { warn: () => undefined },
});
const count = (from: number, op: string) => emu.audit.slice(from).filter((e) => e.operation === op).length;

describe("fromRolesAnywhere({ assumeRole })", () => {
  it("serves 100 concurrent callers with one CreateSession and one AssumeRole per hop, the second account's identity", async () => {
    const provider = fromRolesAnywhere({
      ...base(),
      stsEndpoint: emu.endpoint,
      assumeRole: [
        { roleArn: B, roleSessionName: "hop1", tags: { team: "core", env: "ci" }, transitiveTagKeys: ["team"] },
        { roleArn: C, roleSessionName: "hop2", externalId: "ext-c", tags: { stage: "two" }, policy: POLICY },
      ],
    });
    const n = emu.audit.length;
    const ids = await Promise.all(Array.from({ length: 100 }, () => provider()));
    expect(new Set(ids.map((i) => i.accessKeyId)).size).toBe(1);
    expect(ids[0]!.accountId).toBe("777788889999");
    expect(count(n, "CreateSession")).toBe(1);
    expect(count(n, "AssumeRole")).toBe(2);
    const [hop1, hop2] = emu.audit.slice(n).filter((e) => e.operation === "AssumeRole");
    expect(hop1).toMatchObject({ roleArn: B, principal: expect.stringMatching(/^arn:aws:sts::111122223333:assumed-role\/central\//), sessionTags: { team: "core", env: "ci" }, transitiveTagKeys: ["team"] });
    // The second hop: the transitive tag carried, its own tag, the source identity Roles Anywhere set, the policy size.
    expect(hop2).toMatchObject({
      outcome: "success",
      roleArn: C,
      principal: "arn:aws:sts::444455556666:assumed-role/workload/hop1",
      externalIdMatch: true,
      sessionTags: { team: "core", stage: "two" },
      transitiveTagKeys: ["team"],
      sourceIdentity: "CN=chain provider client",
      policySize: JSON.stringify(POLICY).length,
    });
    const sts = new STSClient({ region: "us-east-1", endpoint: emu.endpoint, credentials: provider });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:sts::777788889999:assumed-role/deploy/hop2");
    // Cached: later calls make no service call.
    const m = emu.audit.length;
    await provider();
    expect(emu.audit.length).toBe(m);
  });

  it("refuses a chained 7200-second hop before any call, naming the option", async () => {
    const n = emu.audit.length;
    const err = await fromRolesAnywhere({ ...base(), stsEndpoint: emu.endpoint, assumeRole: [{ roleArn: B, durationSeconds: 7200 }] })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsProviderError);
    expect((err as Error).message).toBe(
      "fromRolesAnywhere: assumeRole[0].durationSeconds: 7200 seconds asked, but this hop is role chaining (it assumes a role with role credentials), which STS limits to 3600 seconds and refuses above that (hint: ask for 900-3600 seconds; the role's maximum session duration does not lift this limit)",
    );
    expect(emu.audit.length).toBe(n);
  });

  it("reports a refused hop as STS's error with the trust hint", async () => {
    const err = await fromRolesAnywhere({ ...base(), stsEndpoint: emu.endpoint, assumeRole: [{ roleArn: B, tags: { team: "x" } }, { roleArn: C }] })().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^fromRolesAnywhere: AssumeRole arn:aws:iam::777788889999:role\/deploy \(hop 2 of 2\) failed: AccessDenied: User: arn:aws:sts::444455556666:assumed-role\/workload\/signing-helper-\d+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::777788889999:role\/deploy \(HTTP 403, request id [0-9a-f-]+\) \(hint: check the role's trust policy/,
    );
  });
});

describe("assumeRoleChain(baseProvider, hops)", () => {
  it("puts hops on any SDK provider: 100 concurrent callers, one base call and one AssumeRole", async () => {
    let baseCalls = 0;
    const roles = fromRolesAnywhere(base());
    const counted = async () => {
      baseCalls += 1;
      return roles();
    };
    const chain = assumeRoleChain(counted, [{ roleArn: B, roleSessionName: "composed", tags: { team: "core" } }], { region: "us-east-1", stsEndpoint: emu.endpoint, baseIsRoleSession: true, env: cleanEnv() });
    const n = emu.audit.length;
    const ids = await Promise.all(Array.from({ length: 100 }, () => chain()));
    expect(new Set(ids.map((i) => i.accessKeyId)).size).toBe(1);
    expect(baseCalls).toBe(1);
    expect(count(n, "CreateSession")).toBe(1);
    expect(count(n, "AssumeRole")).toBe(1);
    const sts = new STSClient({ region: "us-east-1", endpoint: emu.endpoint, credentials: chain });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:sts::444455556666:assumed-role/workload/composed");
  });

  it("needs a region and at least one hop", async () => {
    const none = async () => ({ accessKeyId: "AKIA", secretAccessKey: "s" });
    await expect(assumeRoleChain(none, [{ roleArn: B }], { env: {} })()).rejects.toThrow("assumeRoleChain: no region for STS (hint: pass the region option or set AWS_REGION)");
    await expect(assumeRoleChain(none, [], { region: "us-east-1", env: {} })()).rejects.toThrow(/give at least one hop/);
  });
});
