/**
 * Shared set-up for the emulator's integration tests: one PKI made with src/pki
 * (keys reused across leaves to keep the suite fast), a config using it, and a
 * raw HTTP client that sends exactly the headers it is given.
 */
import { request, type IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import { createCrl, createIntermediateCa, createRootCa, generateKeyPair, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import type { EmulatorConfig } from "../../../src/emulator/config.js";
import type { BuiltRequest, SigningInput } from "./independent-signer.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/emulator-test`;
export const ROLE_LONG = `arn:aws:iam::${ACCOUNT}:role/path/long-sessions`;
export const ROLE_OTHER = `arn:aws:iam::${ACCOUNT}:role/not-in-any-profile`;
export const INTEROP_DIR = fileURLToPath(new URL("../../../fixtures/interop/", import.meta.url));

const DAY = 86_400_000;

export interface Leaf {
  cert: IssuedCertificate;
  chain: IssuedCertificate[];
}

export interface World {
  now: Date;
  root: IssuedCertificate;
  inter: IssuedCertificate;
  /** Good leaves by key type, issued by the root directly and via the intermediate. */
  direct: Record<"rsa-2048" | "ec-p256" | "ec-p384" | "ec-p521", IssuedCertificate>;
  viaInter: Record<"rsa-2048" | "ec-p256" | "ec-p384" | "ec-p521", IssuedCertificate>;
  rogueRoot: IssuedCertificate;
  rogueLeaf: IssuedCertificate;
  disabledRoot: IssuedCertificate;
  disabledLeaf: IssuedCertificate;
  expired: IssuedCertificate;
  notYetValid: IssuedCertificate;
  caTrue: IssuedCertificate;
  noDigitalSignature: IssuedCertificate;
  noKeyUsage: IssuedCertificate;
  sha1: IssuedCertificate;
  revokedDirect: IssuedCertificate;
  revokedViaInter: IssuedCertificate;
  revokedInter: IssuedCertificate;
  underRevokedInter: IssuedCertificate;
  expiredInter: IssuedCertificate;
  underExpiredInter: IssuedCertificate;
  /** root → long[0] → … → long[5]; leaf5 under long[4] (chain of 5), leaf6 under long[5] (chain of 6). */
  long: IssuedCertificate[];
  leaf5: IssuedCertificate;
  leaf6: IssuedCertificate;
  pathLenZero: IssuedCertificate;
  belowPathLenZeroCa: IssuedCertificate;
  underPathLenZero: IssuedCertificate;
  belowPathLenZero: IssuedCertificate;
  noCn: IssuedCertificate;
  rootCrlPem: string;
  interCrlPem: string;
}

/** Makes the whole test PKI once (about a second: one key per type, reused). */
export async function makeWorld(now = new Date()): Promise<World> {
  const keys = {
    "rsa-2048": generateKeyPair("rsa-2048").privateKey,
    "ec-p256": generateKeyPair("ec-p256").privateKey,
    "ec-p384": generateKeyPair("ec-p384").privateKey,
    "ec-p521": generateKeyPair("ec-p521").privateKey,
  };
  const p256 = keys["ec-p256"];
  const root = await createRootCa({ now, subject: "CN=EMULATOR TEST ROOT,O=TEST ONLY" });
  const inter = await createIntermediateCa(root, { now, subject: "CN=EMULATOR TEST INTERMEDIATE,O=TEST ONLY" });
  const leafOf = (issuer: IssuedCertificate, opts: Parameters<typeof issueClientCertificate>[1] = {}) =>
    issueClientCertificate(issuer, { now, privateKey: p256, subject: "CN=TEST CLIENT,O=TEST ONLY", ...opts });
  const direct = {} as World["direct"];
  const viaInter = {} as World["viaInter"];
  for (const kt of Object.keys(keys) as (keyof typeof keys)[]) {
    direct[kt] = await leafOf(root, { privateKey: keys[kt], subject: `CN=client ${kt} direct,O=TEST ONLY` });
    viaInter[kt] = await leafOf(inter, { privateKey: keys[kt], subject: `CN=client ${kt} via intermediate,O=TEST ONLY` });
  }
  const rogueRoot = await createRootCa({ now, subject: "CN=EMULATOR TEST ROOT,O=TEST ONLY", privateKey: keys["ec-p384"] });
  const disabledRoot = await createRootCa({ now, subject: "CN=DISABLED ROOT,O=TEST ONLY" });
  const revokedInter = await createIntermediateCa(root, { now, subject: "CN=REVOKED INTERMEDIATE" });
  const expiredInter = await createIntermediateCa(root, {
    now,
    subject: "CN=EXPIRED INTERMEDIATE",
    notBefore: new Date(now.getTime() - 10 * DAY),
    notAfter: new Date(now.getTime() - DAY),
  });
  const long: IssuedCertificate[] = [];
  for (let i = 0; i < 6; i++) {
    long.push(await createIntermediateCa(long[i - 1] ?? root, { now, privateKey: p256, subject: `CN=LONG CHAIN CA ${i + 1}` }));
  }
  const pathLenZero = await createIntermediateCa(root, { now, subject: "CN=PATHLEN ZERO CA", pathLength: 0 });
  const belowPathLenZero = await createIntermediateCa(pathLenZero, { now, subject: "CN=BELOW PATHLEN ZERO CA" });
  const revokedDirect = await leafOf(root, { subject: "CN=revoked direct" });
  const revokedViaInter = await leafOf(inter, { subject: "CN=revoked via intermediate" });
  const w: World = {
    now,
    root,
    inter,
    direct,
    viaInter,
    rogueRoot,
    rogueLeaf: await leafOf(rogueRoot, { subject: "CN=rogue client" }),
    disabledRoot,
    disabledLeaf: await leafOf(disabledRoot),
    expired: await leafOf(root, { notBefore: new Date(now.getTime() - 10 * DAY), notAfter: new Date(now.getTime() - DAY) }),
    notYetValid: await leafOf(root, { notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 10 * DAY) }),
    caTrue: await leafOf(root, { ca: true }),
    noDigitalSignature: await leafOf(root, { keyUsages: ["keyEncipherment"] }),
    noKeyUsage: await leafOf(root, { keyUsages: null }),
    sha1: await leafOf(root, { signatureHash: "SHA-1" }),
    revokedDirect,
    revokedViaInter,
    revokedInter,
    underRevokedInter: await leafOf(revokedInter),
    expiredInter,
    underExpiredInter: await leafOf(expiredInter),
    long,
    leaf5: await leafOf(long[4]!),
    leaf6: await leafOf(long[5]!),
    pathLenZero,
    belowPathLenZeroCa: belowPathLenZero,
    underPathLenZero: await leafOf(pathLenZero),
    belowPathLenZero: await leafOf(belowPathLenZero),
    noCn: await leafOf(root, { subject: "O=No Common Name,C=US", serial: "0123" }),
    rootCrlPem: (await createCrl(root, [{ serialHex: revokedDirect.serialHex }, { serialHex: revokedInter.serialHex }], { thisUpdate: now })).pem,
    interCrlPem: (await createCrl(inter, [{ serialHex: revokedViaInter.serialHex }], { thisUpdate: now })).pem,
  };
  return w;
}

/** The config used by most tests: several trust anchors and profiles. */
export function worldConfig(w: World): EmulatorConfig {
  return {
    accountId: ACCOUNT,
    region: REGION,
    trustAnchors: [
      { name: "main", certificates: [w.root.certPem], crls: [w.rootCrlPem, w.interCrlPem] },
      { name: "disabled", certificates: [w.disabledRoot.certPem], enabled: false },
      { name: "interop", certificates: [`${INTEROP_DIR}ca/root-cert.pem`] },
    ],
    profiles: [
      { name: "main", roleArns: [ROLE] },
      { name: "accepting", roleArns: [ROLE_LONG], durationSeconds: 43200, acceptRoleSessionName: true },
      { name: "disabled", roleArns: [ROLE], enabled: false },
      { name: "needs-instance-properties", roleArns: [ROLE], requireInstanceProperties: true },
      { name: "over-role-max", roleArns: [ROLE], durationSeconds: 7200 },
    ],
    roles: [
      { arn: ROLE, maxSessionDuration: 3600 },
      { arn: ROLE_LONG, maxSessionDuration: 43200 },
      { arn: ROLE_OTHER },
    ],
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends a request with exactly these headers (plus content-length) and reads the whole answer. */
export function send(
  endpoint: string,
  req: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(`${endpoint}${req.path}`, { method: req.method ?? "POST", headers: req.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("error", reject);
    if (req.body !== undefined && req.chunked) {
      const b = Buffer.from(req.body);
      const mid = Math.floor(b.length / 2);
      r.write(b.subarray(0, mid));
      r.end(b.subarray(mid));
    } else if (req.body !== undefined) {
      if (!req.chunked) r.setHeader("content-length", Buffer.byteLength(req.body));
      r.end(req.body);
    } else r.end();
  });
}

/** Sends a built (signed) request. */
export function sendSigned(endpoint: string, built: Pick<BuiltRequest, "path" | "headers" | "body">, opts: { chunked?: boolean } = {}): Promise<RawResponse> {
  return send(endpoint, { path: built.path, headers: built.headers, body: built.body, ...opts });
}

/** The signing input for a leaf against a running emulator. */
export function inputFor(
  endpoint: string,
  leaf: Pick<IssuedCertificate, "certDer" | "serialDecimal" | "privateKey">,
  arns: { trustAnchorArn: string; profileArn: string; roleArn: string },
  opts: Partial<SigningInput> & { durationSeconds?: number; bodyObject?: Record<string, unknown> } = {},
): SigningInput {
  const { durationSeconds, bodyObject, ...rest } = opts;
  return {
    host: new URL(endpoint).host,
    query: { profileArn: arns.profileArn, roleArn: arns.roleArn, trustAnchorArn: arns.trustAnchorArn },
    body: JSON.stringify(bodyObject ?? { durationSeconds: durationSeconds ?? 3600 }),
    region: REGION,
    date: new Date(),
    leafDer: leaf.certDer,
    serialDecimal: leaf.serialDecimal,
    key: leaf.privateKey,
    ...rest,
  };
}
