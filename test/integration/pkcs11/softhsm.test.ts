/**
 * Keys on a PKCS#11 token (SoftHSM, written by OpenSC's pkcs11-tool, sensitive
 * and not extractable) through the library: CreateSession against the
 * emulator on 127.0.0.1 for RSA-2048 and P-256, signatures checked with
 * node:crypto against the certificate, the official helper's search rules
 * (label then CKA_ID, several keys tried by signing), CKA_ALWAYS_AUTHENTICATE,
 * the session kept open across refreshes and reopened after a reset, and the
 * errors (wrong PIN, no token, no object, two certificates, bad URI, missing
 * module): one line each, never with the PIN.
 */
import { createRequire } from "node:module";
import { verify, X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCredentialFetcher, loadIdentity, resolveSessionConfig, RolesAnywhereError, UsageError, type IdentitySpec } from "../../../src/index.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { closePkcs11Sessions, listPkcs11Certificates } from "../../../src/identity/pkcs11/identity.js";
import { SoftHsm, softhsmMissing } from "./softhsm.js";
import { fromRolesAnywhere } from "../../../src/provider/index.js";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const PIN = "4711-pin";
const T = "helper-test";
const note = softhsmMissing ? ` [skipped: ${softhsmMissing}]` : "";

let hsm: SoftHsm;
let emu: RunningEmulator;
let rsa: IssuedCertificate;
let ec: IssuedCertificate;
let other: IssuedCertificate;
let always: IssuedCertificate;
let multi: IssuedCertificate;

beforeAll(async () => {
  if (softhsmMissing) return;
  const root = await createRootCa({ keyType: "ec-p256" });
  [rsa, ec, other, always, multi] = await Promise.all([
    issueClientCertificate(root, { keyType: "rsa-2048" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
  ]);
  hsm = new SoftHsm();
  process.env.SOFTHSM2_CONF = hsm.conf; // read by the module at C_Initialize, in this process
  hsm.initToken(T, PIN);
  hsm.initToken("second", PIN);
  // Labels of key and certificate differ on purpose: the key is then found by the certificate's CKA_ID.
  hsm.write(T, PIN, { id: "01", keyLabel: "rsa-key", certLabel: "rsa-cert", keyPem: rsa.keyPem, certDer: rsa.certDer });
  hsm.write(T, PIN, { id: "02", keyLabel: "ec", certLabel: "ec", keyPem: ec.keyPem, certDer: ec.certDer });
  hsm.write(T, PIN, { id: "03", keyLabel: "always", certLabel: "always", keyPem: always.keyPem, certDer: always.certDer, alwaysAuthenticate: true });
  // Two keys under one label, only the second belongs to the certificate: each is tried by signing.
  hsm.write(T, PIN, { id: "10", keyLabel: "multi", keyPem: other.keyPem });
  hsm.write(T, PIN, { id: "11", keyLabel: "multi", certLabel: "multi-cert", keyPem: multi.keyPem, certDer: multi.certDer });
  // Two certificates under one label.
  hsm.write("second", PIN, { id: "20", certLabel: "twin", certDer: rsa.certDer });
  hsm.write("second", PIN, { id: "21", certLabel: "twin", certDer: ec.certDer });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem });
}, 60_000);

afterAll(async () => {
  closePkcs11Sessions();
  await emu?.close();
  hsm?.remove();
});

const uri = (path: string, query = `pin-value=${PIN}`) => `pkcs11:${path}${query ? `?${query}` : ""}`;
const token = (path: string, extra: Partial<IdentitySpec["certificate"] & object> = {}) => ({ pkcs11: uri(path), module: hsm.module, ...extra });

function config() {
  return resolveSessionConfig({ trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn, endpoint: emu.endpoint, maxAttempts: 1 }, {});
}

async function errorOf(p: Promise<unknown>): Promise<RolesAnywhereError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RolesAnywhereError);
    const e = err as RolesAnywhereError;
    expect(e.message).not.toContain("\n");
    return e;
  }
  throw new Error("expected an error");
}

describe("PKCS#11 keys on SoftHSM (library)", () => {
  it.skipIf(!!softhsmMissing)(`the keys are on the token, sensitive and not extractable (pkcs11-tool's listing)${note}`, () => {
    const listing = hsm.list(T, PIN);
    const keys = listing.split(/\n(?=\S)/).filter((b) => b.startsWith("Private Key Object"));
    expect(keys.length).toBe(5);
    for (const k of keys) {
      expect(k).toMatch(/Access:\s+.*sensitive/);
      expect(k).not.toMatch(/Access:.*\bextractable/);
    }
  });

  it.skipIf(!!softhsmMissing)(`gets credentials from the emulator with RSA-2048 and P-256 keys on the token${note}`, async () => {
    for (const [path, cert] of [
      [`token=${T};object=rsa-cert`, rsa],
      [`token=${T};object=ec;type=cert`, ec],
    ] as const) {
      const before = emu.audit.filter((e) => e.operation === "CreateSession").length;
      const fetch = createCredentialFetcher({ certificate: token(path) }, config());
      const creds = await fetch();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      const sessions = emu.audit.filter((e) => e.operation === "CreateSession");
      expect(sessions.length).toBe(before + 1);
      expect(sessions.at(-1)!.outcome).toBe("success");
      const id = await loadIdentity({ certificate: token(path) });
      expect(id.certificateDer.equals(cert.certDer)).toBe(true);
      expect(id.privateKey).toBeUndefined();
      // The token's signature verifies with the certificate's public key (node:crypto, independently).
      const message = Buffer.from("an independent check");
      const sig = await id.tokenKey!.sign(message);
      const pub = new X509Certificate(cert.certPem).publicKey;
      expect(verify("sha256", message, cert.keyType === "rsa-2048" ? pub : { key: pub, dsaEncoding: "der" }, sig)).toBe(true);
      if (cert.keyType === "rsa-2048") {
        for (const d of ["sha384", "sha512"] as const) expect(verify(d, message, pub, await id.tokenKey!.sign(message, d))).toBe(true);
      } else {
        for (const d of ["sha384", "sha512"] as const) expect(verify(d, message, { key: pub, dsaEncoding: "der" }, await id.tokenKey!.sign(message, d))).toBe(true);
      }
    }
  });

  it.skipIf(!!softhsmMissing)(`a key URI with a certificate file; of two keys under one label, the one that signs for the certificate${note}`, async () => {
    const dir = hsm.dir;
    const certFile = join(dir, "multi.pem");
    writeFileSync(certFile, multi.certPem);
    const id = await loadIdentity({ certificate: { path: certFile }, privateKey: token(`token=${T};object=multi`) });
    expect(id.tokenKey!.uri).toContain("id=%11");
    const byCert = await loadIdentity({ certificate: token(`token=${T};object=multi-cert`) });
    expect(byCert.tokenKey!.uri).toContain("id=%11");
  });

  it.skipIf(!!softhsmMissing)(`PIN from pin-source=env:NAME and file:PATH, and from the library's pin option${note}`, async () => {
    const pinFile = join(hsm.dir, "pin.txt");
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
    for (const spec of [
      { pkcs11: uri(`token=${T};object=ec`, "pin-source=env:HSM_PIN"), module: hsm.module },
      { pkcs11: uri(`token=${T};object=ec`, `pin-source=file:${pinFile}`), module: hsm.module },
      { pkcs11: uri(`token=${T};object=ec`, ""), module: hsm.module, pin: { env: "HSM_PIN" } },
    ]) {
      closePkcs11Sessions();
      const id = await loadIdentity({ certificate: spec }, { env: { HSM_PIN: PIN } });
      expect(id.certificateDer.equals(ec.certDer)).toBe(true);
    }
  });

  it.skipIf(!!softhsmMissing)(`CKA_ALWAYS_AUTHENTICATE: signs with reusePin or a typed PIN, else one clear error${note}`, async () => {
    closePkcs11Sessions();
    const e = await errorOf(loadIdentity({ certificate: token(`token=${T};object=always`) }));
    expect(e.message).toMatch(/wants a PIN at every signature \(CKA_ALWAYS_AUTHENTICATE\)/);
    expect(e.hint).toMatch(/--reuse-pin/);

    const reused = await loadIdentity({ certificate: token(`token=${T};object=always`, { reusePin: true }) });
    const m = Buffer.from("twice");
    for (let i = 0; i < 2; i++) {
      expect(verify("sha256", m, { key: always.privateKey, dsaEncoding: "der" }, await reused.tokenKey!.sign(m))).toBe(true);
    }

    closePkcs11Sessions();
    const asked: string[] = [];
    const typed = await loadIdentity(
      { certificate: token(`token=${T};object=always`) },
      { promptPassword: async (what) => (asked.push(what), PIN) },
    );
    expect(verify("sha256", m, { key: always.privateKey, dsaEncoding: "der" }, await typed.tokenKey!.sign(m))).toBe(true);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((a) => /asked at every signature/.test(a))).toBe(true);
  });

  it.skipIf(!!softhsmMissing)(`keeps the session open across refreshes, and opens it again after a reset${note}`, async () => {
    closePkcs11Sessions();
    const env: NodeJS.ProcessEnv = { HSM_PIN: PIN };
    const spec = { certificate: { pkcs11: uri(`token=${T};object=ec`, "pin-source=env:HSM_PIN"), module: hsm.module } };
    const fetch = createCredentialFetcher(spec, config(), { io: { env } });
    await fetch();
    // The PIN is not needed again while the session is open: a wrong one now changes nothing.
    env.HSM_PIN = "wrong";
    await fetch();
    // A reset: every session of the token closed (as a reinserted token or a restarted daemon would).
    const p11 = new (createRequire(import.meta.url)("pkcs11js").PKCS11)();
    p11.load(hsm.module);
    try {
      p11.C_Initialize();
    } catch {
      // already initialised in this process: the same module instance
    }
    for (const slot of p11.C_GetSlotList(true)) p11.C_CloseAllSessions(slot);
    // Opened again with the PIN that worked before.
    const creds = await fetch();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
  });

  it.skipIf(!!softhsmMissing)(`wrong PIN, no token, no object, two certificates, bad URI, missing module: one line each, no PIN${note}`, async () => {
    closePkcs11Sessions();
    const wrong = await errorOf(loadIdentity({ certificate: { pkcs11: uri(`token=${T};object=ec`, "pin-value=9999-wrong"), module: hsm.module } }));
    expect(wrong.code).toBe("PKCS11");
    expect(wrong.message).toMatch(/user PIN was refused \(CKR_PIN_INCORRECT\)/);
    expect(`${wrong.message} ${wrong.hint}`).not.toContain("9999-wrong");

    const none = await errorOf(loadIdentity({ certificate: token("token=absent") }));
    expect(none.message).toMatch(/no token matches pkcs11:token=absent\?pin-value=\*\*\* in module .*\(tokens present: .*"helper-test"/);
    expect(none.message).toContain('"second"');
    expect(none.message).not.toContain(PIN);

    const noObject = await errorOf(loadIdentity({ certificate: token(`token=${T};object=nothing`) }));
    expect(noObject.message).toMatch(/no certificate matches .*; token "helper-test" \(slot \d+\) holds: certificate pkcs11:token=helper-test;.*id=%01;object=rsa-cert;type=cert/);

    const twins = await errorOf(loadIdentity({ certificate: token("token=second;object=twin") }));
    expect(twins.message).toMatch(/^PKCS#11: 2 certificates match pkcs11:token=second;object=twin\?pin-value=\*\*\*: pkcs11:.*, pkcs11:.*type=cert$/);
    expect(twins.message).toContain("id=%20;object=twin;type=cert");
    expect(twins.message).toContain("id=%21;object=twin;type=cert");

    const bad = await errorOf(loadIdentity({ certificate: { pkcs11: "pkcs11:token=a;token=b", module: hsm.module } }));
    expect(bad).toBeInstanceOf(UsageError);
    expect(bad.message).toMatch(/path attribute 'token' is given twice/);

    const missing = await errorOf(loadIdentity({ certificate: { pkcs11: "pkcs11:token=x", module: join(hsm.dir, "no-such-module.so") } }));
    expect(missing.message).toMatch(/^PKCS#11 module .*no-such-module\.so: could not be loaded \(.*No such file/);
  });

  it.skipIf(!!softhsmMissing)(`fromRolesAnywhere() takes a certificate on a token; a real STSClient call gets its identity${note}`, async () => {
    const provider = fromRolesAnywhere({
      certificate: { pkcs11: uri(`token=${T};object=ec`, "pin-source=env:HSM_PIN"), module: hsm.module },
      trustAnchorArn: emu.trustAnchorArn,
      profileArn: emu.profileArn,
      roleArn: emu.roleArn,
      endpoint: emu.endpoint,
      env: { HSM_PIN: PIN },
    });
    const creds = await provider();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const sts = new STSClient({ region: "us-east-1", endpoint: emu.endpoint, maxAttempts: 1, credentials: provider });
    try {
      const who = await sts.send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toContain(emu.roleArn.split("/").pop()!);
    } finally {
      sts.destroy();
    }
  });

  it.skipIf(!!softhsmMissing)(`lists every matching certificate with its URI (read-certificate-data)${note}`, async () => {
    const found = await listPkcs11Certificates({ pkcs11: "pkcs11:token=second", module: hsm.module });
    expect(found.map((f) => f.uri)).toEqual([
      expect.stringMatching(/^pkcs11:token=second;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=[0-9a-f]+;id=%2[01];object=twin;type=cert$/),
      expect.stringMatching(/id=%2[01];object=twin;type=cert$/),
    ]);
    expect(found.map((f) => f.der.toString("base64")).sort()).toEqual([rsa.certDer.toString("base64"), ec.certDer.toString("base64")].sort());
  });
});
