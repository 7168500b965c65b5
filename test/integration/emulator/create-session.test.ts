import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import { ACCOUNT, INTEROP_DIR, REGION, ROLE, ROLE_LONG, ROLE_OTHER, inputFor, makeWorld, sendSigned, worldConfig, type World } from "./helpers.js";
import { independentSign, signers, type SignerName, type SigningInput } from "./independent-signer.js";

let w: World;
let emu: RunningEmulator;
const ta = (name: string) => emu.trustAnchors.find((t) => t.name === name)!.arn;
const profile = (name: string) => emu.profiles.find((p) => p.name === name)!.arn;
const arns = (p = "main", t = "main", role = ROLE) => ({ trustAnchorArn: ta(t), profileArn: profile(p), roleArn: role });

beforeAll(async () => {
  w = await makeWorld();
  emu = await startEmulator({ config: worldConfig(w) });
});
afterAll(async () => {
  await emu?.close();
});

interface Session {
  credentialSet: {
    assumedRoleUser: { arn: string; assumedRoleId: string };
    credentials: { accessKeyId: string; expiration: string; secretAccessKey: string; sessionToken: string };
    packedPolicySize: number;
    roleArn: string;
    sourceIdentity: string;
  }[];
  subjectArn: string;
}

const KEY_TYPES = ["rsa-2048", "ec-p256", "ec-p384", "ec-p521"] as const;
const SIGNERS: SignerName[] = ["team", "independent"];

describe("CreateSession accepts valid requests", () => {
  const cases: { name: string; leaf: (w: World) => World["direct"]["ec-p256"]; chain: (w: World) => Buffer[] }[] = [];
  for (const kt of KEY_TYPES) {
    cases.push({ name: `${kt} leaf issued by the trust anchor, no chain`, leaf: (w) => w.direct[kt], chain: () => [] });
    cases.push({ name: `${kt} leaf via an intermediate`, leaf: (w) => w.viaInter[kt], chain: (w) => [w.inter.certDer] });
    cases.push({
      name: `${kt} leaf with a reversed fullchain (root, intermediate, leaf)`,
      leaf: (w) => w.viaInter[kt],
      chain: (w) => [w.root.certDer, w.inter.certDer, w.viaInter[kt].certDer],
    });
  }
  for (const signer of SIGNERS) {
    for (const c of cases) {
      it(`${c.name}, signed by the ${signer} signer`, async () => {
        const leaf = c.leaf(w);
        const built = await signers[signer](inputFor(emu.endpoint, leaf, arns(), { chainDer: c.chain(w) }));
        const res = await sendSigned(emu.endpoint, built);
        expect(res.status, res.body).toBe(201);
        expect(res.headers["content-type"]).toBe("application/json");
        expect(res.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
        const body = JSON.parse(res.body) as Session;
        expect(body.credentialSet).toHaveLength(1);
        expect(body.credentialSet[0]!.roleArn).toBe(ROLE);
      });
    }
  }

  it("accepts the openssl-made interop certificates (RSA-2048/4096, P-256/384/521 under an openssl intermediate)", async () => {
    const inter = readFileSync(`${INTEROP_DIR}ca/intermediate-cert.pem`, "utf8");
    const interDer = Buffer.from(inter.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    const meta = JSON.parse(readFileSync(`${INTEROP_DIR}manifest.json`, "utf8")) as { leaves: Record<string, { serialDecimal: string }> };
    for (const kt of ["rsa-2048", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"]) {
      const leafDer = readFileSync(`${INTEROP_DIR}${kt}/cert.der`);
      const key = createPrivateKey(readFileSync(`${INTEROP_DIR}${kt}/key-pkcs8.pem`, "utf8"));
      const input = inputFor(emu.endpoint, { certDer: leafDer, serialDecimal: meta.leaves[kt]!.serialDecimal, privateKey: key }, arns("main", "interop"), {
        chainDer: [interDer],
      });
      for (const signer of SIGNERS) {
        const res = await sendSigned(emu.endpoint, await signers[signer](input));
        expect(res.status, `${kt} ${signer}: ${res.body}`).toBe(201);
      }
    }
  });

  it("answers 201 in the real shape: credentialSet, assumedRoleUser, sourceIdentity, subjectArn", async () => {
    const leaf = w.viaInter["ec-p256"];
    const before = Date.now();
    const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, leaf, arns(), { chainDer: [w.inter.certDer], durationSeconds: 900 })));
    expect(res.status).toBe(201);
    const body = JSON.parse(res.body) as Session;
    expect(Object.keys(body)).toEqual(["credentialSet", "subjectArn"]);
    const set = body.credentialSet[0]!;
    expect(Object.keys(set)).toEqual(["assumedRoleUser", "credentials", "packedPolicySize", "roleArn", "sourceIdentity"]);
    expect(Object.keys(set.credentials)).toEqual(["accessKeyId", "expiration", "secretAccessKey", "sessionToken"]);
    const hexSerial = leaf.serialHex.toLowerCase();
    expect(set.assumedRoleUser.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/emulator-test/${hexSerial}`);
    expect(set.assumedRoleUser.assumedRoleId).toMatch(new RegExp(`^AROA[A-Z2-7]+:${hexSerial}$`));
    expect(set.credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(set.credentials.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const exp = Date.parse(set.credentials.expiration);
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(set.sourceIdentity).toBe("CN=client ec-p256 via intermediate");
    expect(set.packedPolicySize).toBe(0);
    expect(body.subjectArn).toMatch(new RegExp(`^arn:aws:rolesanywhere:${REGION}:${ACCOUNT}:subject/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
  });

  it("derives the source identity ID=<hex serial> for a certificate without CN", async () => {
    const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, w.noCn, arns())));
    expect(res.status, res.body).toBe(201);
    expect((JSON.parse(res.body) as Session).credentialSet[0]!.sourceIdentity).toBe("ID=0123");
  });

  it("honours roleSessionName when the profile accepts it, and takes the shorter of profile and requested duration", async () => {
    const res = await sendSigned(
      emu.endpoint,
      independentSign(inputFor(emu.endpoint, w.direct["ec-p256"], arns("accepting", "main", ROLE_LONG), { bodyObject: { durationSeconds: 7200, roleSessionName: "my-session" } })),
    );
    expect(res.status, res.body).toBe(201);
    const set = (JSON.parse(res.body) as Session).credentialSet[0]!;
    expect(set.assumedRoleUser.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/long-sessions/my-session`);
    const left = Date.parse(set.credentials.expiration) - Date.now();
    expect(left).toBeGreaterThan(7000_000);
    expect(left).toBeLessThanOrEqual(7200_000);
  });

  it("uses the profile's duration when the request has none, capped by the profile otherwise", async () => {
    const none = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, w.direct["ec-p256"], arns(), { bodyObject: {} })));
    expect(none.status, none.body).toBe(201);
    const left = Date.parse((JSON.parse(none.body) as Session).credentialSet[0]!.credentials.expiration) - Date.now();
    expect(left).toBeGreaterThan(3500_000);
    expect(left).toBeLessThanOrEqual(3600_000);
    const capped = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, w.direct["ec-p256"], arns(), { durationSeconds: 43200 })));
    expect(capped.status, capped.body).toBe(201);
    expect(Date.parse((JSON.parse(capped.body) as Session).credentialSet[0]!.credentials.expiration) - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it("accepts ARNs in the JSON body instead of the query string", async () => {
    const a = arns();
    const input: SigningInput = { ...inputFor(emu.endpoint, w.direct["ec-p256"], a), query: {}, body: JSON.stringify({ durationSeconds: 900, ...a }) };
    const res = await sendSigned(emu.endpoint, independentSign(input));
    expect(res.status, res.body).toBe(201);
  });

  it("accepts instance properties when the profile requires them", async () => {
    const res = await sendSigned(
      emu.endpoint,
      independentSign(inputFor(emu.endpoint, w.direct["ec-p256"], arns("needs-instance-properties"), { bodyObject: { instanceProperties: { host: "build-42" } } })),
    );
    expect(res.status, res.body).toBe(201);
  });

  it("accepts a leaf directly under a CA with pathLenConstraint 0", async () => {
    const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, w.underPathLenZero, arns(), { chainDer: [w.pathLenZero.certDer] })));
    expect(res.status, res.body).toBe(201);
  });

  it("accepts a chain of exactly 5 certificates", async () => {
    const res = await sendSigned(
      emu.endpoint,
      independentSign(inputFor(emu.endpoint, w.leaf5, arns(), { chainDer: w.long.slice(0, 5).map((c) => c.certDer).reverse() })),
    );
    expect(res.status, res.body).toBe(201);
  });

  it("accepts a chunked body and extra signed headers", async () => {
    const built = independentSign(inputFor(emu.endpoint, w.direct["ec-p384"], arns(), { extraHeaders: { "x-custom": "a   b  c" } }));
    const res = await sendSigned(emu.endpoint, built, { chunked: true });
    expect(res.status, res.body).toBe(201);
  });
});

interface Refusal {
  name: string;
  status: number;
  type: string;
  message: string | RegExp;
  build: () => Promise<{ path: string; headers: Record<string, string>; body: string }>;
}

describe("CreateSession refuses", () => {
  const good = (over: Partial<SigningInput> & { durationSeconds?: number; bodyObject?: Record<string, unknown> } = {}, a = arns()) =>
    inputFor(emu.endpoint, w.direct["ec-p256"], a, over);
  const refusals: Refusal[] = [
    {
      name: "a tampered signature",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid signature",
      build: async () => {
        const b = independentSign(good());
        b.headers.authorization = b.headers.authorization!.replace(/Signature=([0-9a-f]{6})/, (_m, h: string) => `Signature=${h === "000000" ? "111111" : "000000"}`);
        return b;
      },
    },
    {
      name: "a body changed after signing",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid signature",
      build: async () => ({ ...independentSign(good()), body: JSON.stringify({ durationSeconds: 900 }) }),
    },
    {
      name: "a Credential serial that is not the certificate's",
      status: 403,
      type: "AccessDeniedException",
      message: /^Invalid signature: the Credential serial 12345 does not match the certificate serial \d+$/,
      build: async () => independentSign({ ...good(), serialDecimal: "12345" }),
    },
    {
      name: "a stale X-Amz-Date (10 minutes old)",
      status: 403,
      type: "AccessDeniedException",
      message: /^Invalid signature: X-Amz-Date \d{8}T\d{6}Z is more than 300 seconds from the server time \d{8}T\d{6}Z$/,
      build: async () => independentSign(good({ date: new Date(Date.now() - 600_000) })),
    },
    {
      name: "a scope region other than the emulator's",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid credential scope: region eu-west-1 does not match this endpoint's region us-east-1",
      build: async () => independentSign(good({ region: "eu-west-1" })),
    },
    {
      name: "a certificate from an untrusted CA",
      status: 403,
      type: "AccessDeniedException",
      message: "Untrusted Signing Certificate",
      build: async () => independentSign(inputFor(emu.endpoint, w.rogueLeaf, arns())),
    },
    {
      name: "an intermediate-issued leaf sent without its chain",
      status: 403,
      type: "AccessDeniedException",
      message: "Untrusted Signing Certificate",
      build: async () => independentSign(inputFor(emu.endpoint, w.viaInter["ec-p256"], arns())),
    },
    {
      name: "a certificate that chains to another trust anchor than the one named",
      status: 403,
      type: "AccessDeniedException",
      message: "Untrusted Signing Certificate",
      build: async () => independentSign(inputFor(emu.endpoint, w.direct["ec-p256"], arns("main", "interop"))),
    },
    {
      name: "an expired leaf",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate has expired.",
      build: async () => independentSign(inputFor(emu.endpoint, w.expired, arns())),
    },
    {
      name: "a not-yet-valid leaf",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate is not yet valid.",
      build: async () => independentSign(inputFor(emu.endpoint, w.notYetValid, arns())),
    },
    {
      name: "a CA:TRUE leaf",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate must not be a CA certificate (basicConstraints CA:TRUE).",
      build: async () => independentSign(inputFor(emu.endpoint, w.caTrue, arns())),
    },
    {
      name: "a leaf without digitalSignature",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate keyUsage must include digitalSignature.",
      build: async () => independentSign(inputFor(emu.endpoint, w.noDigitalSignature, arns())),
    },
    {
      name: "a leaf without keyUsage",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate keyUsage must include digitalSignature.",
      build: async () => independentSign(inputFor(emu.endpoint, w.noKeyUsage, arns())),
    },
    {
      name: "a SHA-1-signed leaf",
      status: 403,
      type: "AccessDeniedException",
      message: "Signing certificate must be signed with SHA-256 or stronger.",
      build: async () => independentSign(inputFor(emu.endpoint, w.sha1, arns())),
    },
    {
      name: "a chain longer than 5",
      status: 400,
      type: "ValidationException",
      message: "X-Amz-X509-Chain holds 6 certificates; at most 5 are allowed.",
      build: async () => independentSign(inputFor(emu.endpoint, w.leaf6, arns(), { chainDer: w.long.map((c) => c.certDer) })),
    },
    {
      name: "a leaf revoked by the trust anchor's CRL",
      status: 403,
      type: "AccessDeniedException",
      message: "Certificate revoked",
      build: async () => independentSign(inputFor(emu.endpoint, w.revokedDirect, arns())),
    },
    {
      name: "a leaf revoked by the intermediate's CRL",
      status: 403,
      type: "AccessDeniedException",
      message: "Certificate revoked",
      build: async () => independentSign(inputFor(emu.endpoint, w.revokedViaInter, arns(), { chainDer: [w.inter.certDer] })),
    },
    {
      name: "a leaf under a revoked intermediate",
      status: 403,
      type: "AccessDeniedException",
      message: "Certificate revoked",
      build: async () => independentSign(inputFor(emu.endpoint, w.underRevokedInter, arns(), { chainDer: [w.revokedInter.certDer] })),
    },
    {
      name: "a leaf under an expired intermediate",
      status: 403,
      type: "AccessDeniedException",
      message: "Untrusted Signing Certificate",
      build: async () => independentSign(inputFor(emu.endpoint, w.underExpiredInter, arns(), { chainDer: [w.expiredInter.certDer] })),
    },
    {
      name: "a path that breaks a pathLenConstraint of 0",
      status: 403,
      type: "AccessDeniedException",
      message: "Untrusted Signing Certificate",
      build: async () =>
        independentSign(inputFor(emu.endpoint, w.belowPathLenZero, arns(), { chainDer: [w.belowPathLenZeroCa.certDer, w.pathLenZero.certDer] })),
    },
    {
      name: "a disabled trust anchor",
      status: 403,
      type: "AccessDeniedException",
      message: "Specified Trust Anchor is disabled.",
      build: async () => independentSign(inputFor(emu.endpoint, w.disabledLeaf, arns("main", "disabled"))),
    },
    {
      name: "an unknown trust anchor",
      status: 403,
      type: "AccessDeniedException",
      message: "Specified Trust Anchor wasn't found.",
      build: async () =>
        independentSign(good({}, { ...arns(), trustAnchorArn: `arn:aws:rolesanywhere:${REGION}:${ACCOUNT}:trust-anchor/00000000-0000-0000-0000-000000000000` })),
    },
    {
      name: "a disabled profile",
      status: 403,
      type: "AccessDeniedException",
      message: "Specified Profile is disabled.",
      build: async () => independentSign(good({}, arns("disabled"))),
    },
    {
      name: "an unknown profile",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid or empty profile provided.",
      build: async () => independentSign(good({}, { ...arns(), profileArn: `arn:aws:rolesanywhere:${REGION}:${ACCOUNT}:profile/00000000-0000-0000-0000-000000000000` })),
    },
    {
      name: "a role the profile does not list",
      status: 403,
      type: "AccessDeniedException",
      message: "Requested Role isn't one of those listed in the Profile.",
      build: async () => independentSign(good({}, arns("main", "main", ROLE_OTHER))),
    },
    {
      name: "a duration below 900",
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      build: async () => independentSign(good({ durationSeconds: 899 })),
    },
    {
      name: "a duration above 43200",
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
      build: async () => independentSign(good({ durationSeconds: 43201 })),
    },
    {
      name: "a session longer than the role's MaxSessionDuration",
      status: 400,
      type: "ValidationException",
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      build: async () => independentSign(good({ durationSeconds: 7200 }, arns("over-role-max"))),
    },
    {
      name: "a roleSessionName the profile does not accept",
      status: 403,
      type: "AccessDeniedException",
      message: "Not authorized to set roleSessionName.",
      build: async () => independentSign(good({ bodyObject: { durationSeconds: 3600, roleSessionName: "mine" } })),
    },
    {
      name: "a malformed roleSessionName on an accepting profile",
      status: 400,
      type: "ValidationException",
      message: /^1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint/,
      build: async () => independentSign(good({ bodyObject: { roleSessionName: "has space" } }, arns("accepting", "main", ROLE_LONG))),
    },
    {
      name: "a request without instance properties on a profile that requires them",
      status: 400,
      type: "ValidationException",
      message: "Instance properties are required by this profile.",
      build: async () => independentSign(good({}, arns("needs-instance-properties"))),
    },
    {
      name: "an algorithm that does not match the key",
      status: 403,
      type: "AccessDeniedException",
      message: /^Invalid signature: algorithm AWS4-X509-RSA-SHA256 does not match the certificate's EC key/,
      build: async () => {
        const b = independentSign(good());
        b.headers.authorization = b.headers.authorization!.replace("AWS4-X509-ECDSA-SHA256", "AWS4-X509-RSA-SHA256");
        return b;
      },
    },
    {
      name: "an HMAC SigV4 Authorization",
      status: 403,
      type: "AccessDeniedException",
      message: /^Unsupported signing algorithm AWS4-HMAC-SHA256/,
      build: async () => {
        const b = independentSign(good());
        b.headers.authorization = b.headers.authorization!.replace("AWS4-X509-ECDSA-SHA256", "AWS4-HMAC-SHA256");
        return b;
      },
    },
    {
      name: "SignedHeaders without x-amz-x509",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid signature: SignedHeaders must include x-amz-x509",
      build: async () => {
        const b = independentSign(good());
        b.headers.authorization = b.headers.authorization!.replace(";x-amz-x509,", ",");
        return b;
      },
    },
    {
      name: "a sent chain left out of SignedHeaders",
      status: 403,
      type: "AccessDeniedException",
      message: "Invalid signature: SignedHeaders must include x-amz-x509-chain",
      build: async () => {
        const b = independentSign(good());
        b.headers["x-amz-x509-chain"] = w.inter.certDer.toString("base64");
        return b;
      },
    },
    {
      name: "a request without Authorization",
      status: 403,
      type: "AccessDeniedException",
      message: "Missing Authentication Token",
      build: async () => {
        const b = independentSign(good());
        delete b.headers.authorization;
        return b;
      },
    },
    {
      name: "a missing trustAnchorArn",
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value null at 'trustAnchorArn' failed to satisfy constraint: Member must not be null",
      build: async () => {
        const a = arns();
        return independentSign({ ...good(), query: { profileArn: a.profileArn, roleArn: a.roleArn } });
      },
    },
    {
      name: "a malformed profileArn",
      status: 400,
      type: "ValidationException",
      message: /^1 validation error detected: Value 'not-an-arn' at 'profileArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      build: async () => independentSign(good({}, { ...arns(), profileArn: "not-an-arn" })),
    },
  ];

  for (const r of refusals) {
    it(`${r.name}: ${r.status} ${r.type}`, async () => {
      const res = await sendSigned(emu.endpoint, await r.build());
      expect(res.status, res.body).toBe(r.status);
      expect(res.headers["x-amzn-errortype"]).toBe(r.type);
      expect(res.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers["content-type"]).toBe("application/json");
      const body = JSON.parse(res.body) as { message: string };
      expect(Object.keys(body)).toEqual(["message"]);
      if (typeof r.message === "string") expect(body.message).toBe(r.message);
      else expect(body.message).toMatch(r.message);
    });
  }

  it("refuses every refusal case the same way when signed by the team signer", async () => {
    // The team signer must reach the same checks: spot-check the leaf and path rules with it.
    for (const [leaf, chain, message] of [
      [w.expired, [], "Signing certificate has expired."],
      [w.rogueLeaf, [], "Untrusted Signing Certificate"],
      [w.revokedViaInter, [w.inter.certDer], "Certificate revoked"],
      [w.sha1, [], "Signing certificate must be signed with SHA-256 or stronger."],
    ] as const) {
      const res = await sendSigned(emu.endpoint, await signers.team(inputFor(emu.endpoint, leaf, arns(), { chainDer: [...chain] })));
      expect(res.status).toBe(403);
      expect((JSON.parse(res.body) as { message: string }).message).toBe(message);
    }
  });
});
