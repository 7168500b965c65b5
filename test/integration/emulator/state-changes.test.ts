/**
 * Changes while the emulator runs (disable, new CRL) and the injected clock:
 * cached chain results must never outlive what they were computed from.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import { createCrl, createIntermediateCa, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { inputFor, sendSigned } from "./helpers.js";
import { independentSign } from "./independent-signer.js";

const HOUR = 3_600_000;
const start = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
let clock: ManualClock;
let emu: RunningEmulator;
let root: IssuedCertificate;
let inter: IssuedCertificate;
let leaf: IssuedCertificate;

beforeAll(async () => {
  clock = new ManualClock(start);
  root = await createRootCa({ now: start });
  inter = await createIntermediateCa(root, { now: start, notAfter: new Date(start.getTime() + 48 * HOUR) });
  leaf = await issueClientCertificate(inter, { now: start, subject: "CN=state client" });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem, clock, clockSkewSeconds: 60 });
});
afterAll(async () => {
  await emu?.close();
});

const call = async () => {
  const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, leaf, emu, { chainDer: [inter.certDer], date: new Date(clock.now()) })));
  return { status: res.status, message: res.status === 201 ? "" : (JSON.parse(res.body) as { message: string }).message, body: res.body };
};

describe("emulator state and clock", () => {
  it("uses the injected clock for expirations and the configured skew window", async () => {
    const ok = await call();
    expect(ok.status, ok.body).toBe(201);
    const exp = (JSON.parse(ok.body) as { credentialSet: { credentials: { expiration: string } }[] }).credentialSet[0]!.credentials.expiration;
    expect(exp).toBe("2031-06-01T13:00:00Z");
    const late = await sendSigned(
      emu.endpoint,
      independentSign(inputFor(emu.endpoint, leaf, emu, { chainDer: [inter.certDer], date: new Date(clock.now() - 61_000) })),
    );
    expect(late.status).toBe(403);
    expect(JSON.parse(late.body).message).toMatch(/is more than 60 seconds from the server time 20310601T120000Z$/);
  });

  it("refuses once the cached intermediate expires", async () => {
    expect((await call()).status).toBe(201);
    clock.advance(49 * HOUR);
    expect(await call()).toMatchObject({ status: 403, message: "Untrusted Signing Certificate" });
    expect(emu.audit.at(-1)?.reason).toMatch(/intermediate certificate .* expired/);
    clock.set(start);
  });

  it("keys cached chain results by the exact certificates sent", async () => {
    expect((await call()).status).toBe(201);
    // Same subject and issuer as the real intermediate, another key: it did not sign the leaf.
    const impostor = await createIntermediateCa(root, { now: start });
    const withChain = async (chainDer: Buffer[]) => {
      const res = await sendSigned(emu.endpoint, independentSign(inputFor(emu.endpoint, leaf, emu, { chainDer, date: new Date(clock.now()) })));
      return { status: res.status, message: res.status === 201 ? "" : (JSON.parse(res.body) as { message: string }).message };
    };
    expect(await withChain([impostor.certDer])).toEqual({ status: 403, message: "Untrusted Signing Certificate" });
    expect(await withChain([])).toEqual({ status: 403, message: "Untrusted Signing Certificate" });
    expect(await withChain([impostor.certDer, inter.certDer])).toEqual({ status: 201, message: "" });
    expect((await call()).status).toBe(201);
  });

  it("applies a new CRL and disabling at once, and re-enables", async () => {
    expect((await call()).status).toBe(201);
    const crl = await createCrl(inter, [{ serialHex: leaf.serialHex }], { thisUpdate: start });
    emu.state.setCrls(emu.trustAnchorArn, [crl.pem]);
    expect(await call()).toMatchObject({ status: 403, message: "Certificate revoked" });
    emu.state.setCrls(emu.trustAnchorArn, []);
    expect((await call()).status).toBe(201);
    emu.state.setTrustAnchorEnabled(emu.trustAnchorArn, false);
    expect(await call()).toMatchObject({ status: 403, message: "Specified Trust Anchor is disabled." });
    emu.state.setTrustAnchorEnabled(emu.trustAnchorArn, true);
    emu.state.setProfileEnabled(emu.profileArn, false);
    expect(await call()).toMatchObject({ status: 403, message: "Specified Profile is disabled." });
    emu.state.setProfileEnabled(emu.profileArn, true);
    expect((await call()).status).toBe(201);
  });
});
