import { Agent } from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateProfileCommand,
  CreateTrustAnchorCommand,
  DisableProfileCommand,
  DisableTrustAnchorCommand,
  EnableTrustAnchorCommand,
  GetProfileCommand,
  GetSubjectCommand,
  ImportCrlCommand,
  ListSubjectsCommand,
  ListTagsForResourceCommand,
  ListTrustAnchorsCommand,
  RolesAnywhereClient,
  TagResourceCommand,
  paginateListProfiles,
} from "@aws-sdk/client-rolesanywhere";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createCrl, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { independentSign } from "../emulator/independent-signer.js";
import { inputFor, sendSigned } from "../emulator/helpers.js";

// The management API through the AWS SDK for JavaScript v3's own Roles Anywhere
// client: resources made through it take effect at once for CreateSession.

let root: IssuedCertificate;
let good: IssuedCertificate;
let revoked: IssuedCertificate;
let crlPem: string;
const ROLE = "arn:aws:iam::123456789012:role/sdk-created";

beforeAll(async () => {
  root = await createRootCa({ subject: "CN=SDK TEST ROOT,O=Example Corp,C=US" });
  good = await issueClientCertificate(root, { subject: "CN=workload-1,OU=payments,O=Example Corp", sanDns: ["w1.example.com"], sanUri: ["spiffe://example.com/w1"] });
  revoked = await issueClientCertificate(root, { subject: "CN=revoked workload" });
  crlPem = (await createCrl(root, [{ serialHex: revoked.serialHex }])).pem;
});

function client(emu: RunningEmulator, extra: Partial<ConstructorParameters<typeof RolesAnywhereClient>[0]> = {}): RolesAnywhereClient {
  return new RolesAnywhereClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.admin, maxAttempts: 1, ...extra });
}

async function createSessionStatus(emu: RunningEmulator, leaf: IssuedCertificate, arns: { trustAnchorArn: string; profileArn: string; roleArn: string }) {
  const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, leaf, arns)));
  return { status: res.status, message: res.status === 201 ? "" : (JSON.parse(res.body) as { message: string }).message };
}

describe("management API through @aws-sdk/client-rolesanywhere", () => {
  let emu: RunningEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mgmt-sdk-"));
    emu = await startEmulator({ empty: true, statePath: join(dir, "state.json") });
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("trust anchor from our root, profile with an unknown role, CRL: CreateSession follows every change at once", async () => {
    const ra = client(emu);
    const ta = (await ra.send(new CreateTrustAnchorCommand({
      name: "sdk root",
      source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: root.certPem } },
      enabled: true,
      tags: [{ key: "team", value: "platform" }],
    }))).trustAnchor!;
    expect(ta.trustAnchorArn).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\/[0-9a-f-]{36}$/);
    expect(ta.createdAt).toBeInstanceOf(Date);
    const profile = (await ra.send(new CreateProfileCommand({ name: "sdk-profile", roleArns: [ROLE], enabled: true }))).profile!;
    expect(profile.durationSeconds).toBe(3600);
    // The role was unknown: it is created (maxSessionDuration 3600), so CreateSession accepts it.
    expect(emu.state.role(ROLE)).toMatchObject({ maxSessionDuration: 3600 });
    const arns = { trustAnchorArn: ta.trustAnchorArn!, profileArn: profile.profileArn!, roleArn: ROLE };

    expect(await createSessionStatus(emu, good, arns)).toEqual({ status: 201, message: "" });
    expect(await createSessionStatus(emu, revoked, arns)).toEqual({ status: 201, message: "" });

    const crl = (await ra.send(new ImportCrlCommand({ name: "root crl", crlData: Buffer.from(crlPem), trustAnchorArn: ta.trustAnchorArn!, enabled: true }))).crl!;
    expect(crl.trustAnchorArn).toBe(ta.trustAnchorArn);
    expect(Buffer.from(crl.crlData!).toString()).toBe(crlPem);
    expect(await createSessionStatus(emu, revoked, arns)).toEqual({ status: 403, message: "Certificate revoked" });
    expect((await createSessionStatus(emu, good, arns)).status).toBe(201);

    await ra.send(new DisableTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId! }));
    expect(await createSessionStatus(emu, good, arns)).toEqual({ status: 403, message: "Specified Trust Anchor is disabled." });
    await ra.send(new EnableTrustAnchorCommand({ trustAnchorId: ta.trustAnchorId! }));
    await ra.send(new DisableProfileCommand({ profileId: profile.profileId! }));
    expect(await createSessionStatus(emu, good, arns)).toEqual({ status: 403, message: "Specified Profile is disabled." });

    // Subjects: the certificates that called CreateSession.
    const subjects = (await ra.send(new ListSubjectsCommand({}))).subjects!;
    expect(subjects.map((s) => s.x509Subject).sort()).toEqual(["CN=revoked workload", "CN=workload-1,OU=payments,O=Example Corp"]);
    const detail = (await ra.send(new GetSubjectCommand({ subjectId: subjects.find((s) => s.x509Subject!.startsWith("CN=workload-1"))!.subjectId! }))).subject!;
    expect(detail.credentials![0]).toMatchObject({ serialNumber: good.serialDecimal, issuer: "CN=SDK TEST ROOT,O=Example Corp,C=US", enabled: true });
    expect(detail.credentials![0]!.x509CertificateData).toBe(good.certPem.trim() + "\n");

    expect((await ra.send(new ListTagsForResourceCommand({ resourceArn: ta.trustAnchorArn! }))).tags).toEqual([{ key: "team", value: "platform" }]);
  });

  it("puts the certificate's attributes on the session as principal tags (audit log and stored session)", async () => {
    const entry = emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success" && e.subject?.startsWith("CN=workload-1")).at(-1)!;
    expect(entry.principalTags).toEqual({
      "x509Subject/CN": "workload-1",
      "x509Subject/OU": "payments",
      "x509Subject/O": "Example Corp",
      "x509Issuer/CN": "SDK TEST ROOT",
      "x509Issuer/O": "Example Corp",
      "x509Issuer/C": "US",
      "x509SAN/DNS": "w1.example.com",
      "x509SAN/URI": "spiffe://example.com/w1",
    });
  });

  it("pages lists with pageSize and nextToken", async () => {
    const ra = client(emu);
    for (let i = 0; i < 5; i++) await ra.send(new CreateProfileCommand({ name: `page-${i}`, roleArns: [ROLE] }));
    const pages: string[][] = [];
    for await (const page of paginateListProfiles({ client: ra }, { pageSize: 2 })) pages.push(page.profiles!.map((p) => p.name!));
    expect(pages).toEqual([["sdk-profile", "page-0"], ["page-1", "page-2"], ["page-3", "page-4"]]);
    const bad = await ra.send(new ListTrustAnchorsCommand({ nextToken: "not-a-token" })).catch((e: Error) => e);
    expect(bad).toMatchObject({ name: "ValidationException" });
  });

  it("answers the model's errors: unknown id, too many tags, bad credentials, session credentials", async () => {
    const ra = client(emu);
    const missing = await ra.send(new GetProfileCommand({ profileId: "00000000-0000-4000-8000-000000000000" })).catch((e: Error) => e);
    expect(missing).toMatchObject({ name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } });
    const ta = (await ra.send(new ListTrustAnchorsCommand({}))).trustAnchors![0]!;
    const tags = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    const tooMany = await ra.send(new TagResourceCommand({ resourceArn: ta.trustAnchorArn!, tags })).catch((e: Error) => e);
    expect(tooMany).toMatchObject({ name: "TooManyTagsException" });
    const wrong = await client(emu, { credentials: { accessKeyId: emu.admin.accessKeyId, secretAccessKey: "x".repeat(40) } })
      .send(new ListTrustAnchorsCommand({}))
      .catch((e: Error) => e);
    expect(wrong).toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 403 } });
    // Credentials minted by CreateSession are known but may not manage the emulator.
    const p = emu.state.profiles().find((x) => x.name === "sdk-profile")!;
    emu.state.setProfileEnabled(p.arn, true);
    const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, good, { trustAnchorArn: ta.trustAnchorArn!, profileArn: p.arn, roleArn: ROLE })));
    const c = (JSON.parse(res.body) as { credentialSet: Array<{ credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }> }).credentialSet[0]!.credentials;
    const denied = await client(emu, { credentials: c }).send(new ListTrustAnchorsCommand({})).catch((e: Error) => e);
    expect(denied).toMatchObject({ name: "AccessDeniedException", message: expect.stringMatching(/assumed-role\/sdk-created\/.* is not authorized to perform: rolesanywhere:ListTrustAnchors$/) });
    emu.state.setProfileEnabled(p.arn, false);
  });

  it("keeps everything across a restart with statePath", async () => {
    const before = (await client(emu).send(new ListTrustAnchorsCommand({}))).trustAnchors!.map((t) => [t.trustAnchorArn, t.enabled]);
    const profiles = emu.state.profiles().length;
    await emu.close();
    emu = await startEmulator({ statePath: join(dir, "state.json") });
    const after = (await client(emu).send(new ListTrustAnchorsCommand({}))).trustAnchors!.map((t) => [t.trustAnchorArn, t.enabled]);
    expect(after).toEqual(before);
    expect(emu.state.profiles()).toHaveLength(profiles);
    expect((await client(emu).send(new ListSubjectsCommand({}))).subjects).toHaveLength(2);
    // The CRL still revokes after the restart.
    const ta = emu.state.trustAnchors()[0]!;
    const p = emu.state.profiles().find((x) => x.name === "sdk-profile")!;
    emu.state.setProfileEnabled(p.arn, true);
    expect(await createSessionStatus(emu, revoked, { trustAnchorArn: ta.arn, profileArn: p.arn, roleArn: ROLE })).toEqual({ status: 403, message: "Certificate revoked" });
    expect((await createSessionStatus(emu, good, { trustAnchorArn: ta.arn, profileArn: p.arn, roleArn: ROLE })).status).toBe(201);
  });
});

describe("management API over TLS (generated certificate)", () => {
  it("the SDK reaches it when given the emulator's CA, and refuses it without", async () => {
    const emu = await startEmulator({ empty: true, tls: "generate" });
    try {
      expect(emu.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const trusted = client(emu, { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: emu.caCertPem }) }) });
      const ta = await trusted.send(new CreateTrustAnchorCommand({ name: "tls", source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: root.certPem } }, enabled: true }));
      expect(ta.trustAnchor!.name).toBe("tls");
      const untrusted = await client(emu, { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: root.certPem }) }) })
        .send(new ListTrustAnchorsCommand({}))
        .catch((e: Error & { code?: string }) => e);
      expect(String((untrusted as { code?: string }).code ?? (untrusted as Error).message)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed|UNABLE_TO_GET_ISSUER/i);
    } finally {
      await emu.close();
    }
  });
});
