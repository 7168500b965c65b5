/**
 * What a request that is not authenticated may cost the emulator: size limits
 * on the certificates, no full certificate parse and nothing cached before the
 * signature verifies, and a certificate cache bounded by bytes.
 * (scripts/flood-emulator.mjs measures latency and memory under a flood.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { CertCache, certCacheCost } from "../../../src/emulator/cert-cache.js";
import { createSession, type IncomingCreateSession } from "../../../src/emulator/create-session.js";
import { CredentialStore } from "../../../src/emulator/credential-store.js";
import { createEmulatorState, startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import { ChainValidator } from "../../../src/emulator/validate-chain.js";
import { createIntermediateCa, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { inputFor, sendSigned } from "./helpers.js";
import { independentSign, type BuiltRequest } from "./independent-signer.js";

let root: IssuedCertificate;
let inter: IssuedCertificate;
let leaf: IssuedCertificate;
let big: IssuedCertificate;
let bigInter: IssuedCertificate;
let emu: RunningEmulator;

/** A subject of `n` OU attributes of 100 characters: about 113 DER bytes each. */
const bigSubject = (n: number) => `CN=big,${Array.from({ length: n }, (_, i) => `OU=${String(i).padStart(4, "0")}${"x".repeat(96)}`).join(",")}`;

beforeAll(async () => {
  root = await createRootCa();
  inter = await createIntermediateCa(root);
  leaf = await issueClientCertificate(inter, { subject: "CN=pre-auth client" });
  // About 20 KB of DER: over the 16 KiB limit, though validly signed and trusted.
  big = await issueClientCertificate(root, { subject: bigSubject(180) });
  // About 13 KB: under the per-certificate limit; two of them pass the 24 KiB chain limit.
  bigInter = await createIntermediateCa(root, { subject: bigSubject(110) });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem });
});
afterAll(async () => {
  await emu?.close();
});

const arns = () => ({ trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn });

function deps(certs: CertCache) {
  return {
    state: createEmulatorState({ trustAnchorCertPem: root.certPem }),
    store: new CredentialStore(),
    clock: systemClock,
    clockSkewSeconds: 300,
    validator: new ChainValidator(),
    certs,
  };
}

function incoming(b: BuiltRequest): IncomingCreateSession {
  const qi = b.path.indexOf("?");
  const headers = new Map<string, string[]>();
  for (const [k, v] of Object.entries(b.headers)) headers.set(k.toLowerCase(), [v]);
  return { method: "POST", path: b.path.slice(0, qi), rawQuery: b.path.slice(qi + 1), headers, body: Buffer.from(b.body) };
}

describe("CreateSession before authentication", () => {
  it("refuses a certificate over 16 KiB of DER with 400, before any parse, even when it is validly signed", async () => {
    expect(big.certDer.length).toBeGreaterThan(16 * 1024);
    const b = independentSign(inputFor(emu.endpoint, big, arns()));
    const res = await sendSigned(emu.endpoint, b);
    expect(res.status, res.body).toBe(400);
    expect(res.headers["x-amzn-errortype"]).toBe("ValidationException");
    expect(JSON.parse(res.body)).toEqual({ message: "X-Amz-X509 is larger than 16384 bytes." });
  });

  it("refuses a chain over 24 KiB in total with 400", async () => {
    expect(bigInter.certDer.length).toBeLessThan(16 * 1024);
    expect(2 * bigInter.certDer.length).toBeGreaterThan(24 * 1024);
    const b = independentSign(inputFor(emu.endpoint, leaf, arns(), { chainDer: [bigInter.certDer, bigInter.certDer] }));
    const res = await sendSigned(emu.endpoint, b);
    expect(res.status, res.body).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ message: `X-Amz-X509-Chain certificates total ${2 * bigInter.certDer.length} bytes; at most 24576 are allowed.` });
  });

  it("caches nothing for a made-up signature, and the certificates once the signature verifies", async () => {
    const certs = new CertCache();
    const d = deps(certs);
    const good = independentSign(inputFor(emu.endpoint, leaf, arns(), { chainDer: [inter.certDer] }));
    const forged = { ...good, headers: { ...good.headers, authorization: good.headers.authorization!.replace(/Signature=[0-9a-f]+/, `Signature=${"ab".repeat(36)}`) } };
    const refused = await createSession(d, incoming(forged));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ message: "Invalid signature" });
    const leafB64 = Buffer.from(leaf.certDer).toString("base64");
    const interB64 = Buffer.from(inter.certDer).toString("base64");
    expect(certs.has(leafB64)).toBe(false);
    expect(certs.has(interB64)).toBe(false);
    expect(certs.stats).toEqual({ entries: 0, bytes: 0 });

    const ok = await createSession(d, incoming(good));
    expect(ok.status, ok.body).toBe(201);
    expect(certs.has(leafB64)).toBe(true);
    expect(certs.has(interB64)).toBe(true);
  });

  it("keeps the old answers for junk certificates (bad base64, not DER) without parsing them", async () => {
    const d = deps(new CertCache());
    const b = independentSign(inputFor(emu.endpoint, leaf, arns()));
    const junk = await createSession(d, incoming({ ...b, headers: { ...b.headers, "x-amz-x509": Buffer.from("not a certificate").toString("base64") } }));
    expect(JSON.parse(junk.body)).toEqual({ message: "X-Amz-X509 is not a DER X.509 certificate." });
    const chain = await createSession(d, incoming({ ...b, headers: { ...b.headers, "x-amz-x509-chain": "AAAA" } }));
    expect(JSON.parse(chain.body)).toEqual({ message: "X-Amz-X509-Chain certificate 1 is not a DER X.509 certificate." });
  });
});

describe("CertCache", () => {
  it("is bounded by estimated bytes, dropping the oldest entries first", () => {
    const certs = [leaf, bigInter, inter, root].map((c) => ({ b64: Buffer.from(c.certDer).toString("base64"), der: Buffer.from(c.certDer) }));
    const costs = certs.map((c) => certCacheCost(c.b64, c.der.length));
    const max = costs[0]! + costs[1]! + costs[2]!;
    const cache = new CertCache(1000, max);
    for (const c of certs.slice(0, 3)) cache.get(c.b64, () => c.der);
    expect(cache.stats).toEqual({ entries: 3, bytes: max });
    cache.get(certs[3]!.b64, () => certs[3]!.der);
    expect(cache.stats.bytes).toBeLessThanOrEqual(max);
    expect(cache.has(certs[0]!.b64)).toBe(false);
    expect(cache.has(certs[3]!.b64)).toBe(true);
  });
});
