/**
 * serve with a key in a software TPM (swtpm) through tpm2-pkcs11, in process,
 * against the emulator on 127.0.0.1: the token session stays open and logged
 * in across refreshes (a PIN that turned wrong changes nothing); a TPM that
 * goes away makes a refresh fail with one clear line while the last good
 * credentials are still served; once it is back, the next refresh opens it
 * afresh.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCredentialFetcher, resolveSessionConfig } from "../../../src/index.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";
import { startServe, type RunningServe } from "../../../src/outputs/serve-runner.js";
import { closePkcs11Sessions } from "../../../src/identity/pkcs11/identity.js";
import { imdsCredentials, imdsToken } from "../serve-command/world.js";
import { SoftTpm, tpmMissing } from "./softhsm.js";

const PIN = "tpm-pin-77";
const note = tpmMissing ? ` [skipped: ${tpmMissing}]` : "";

let tpm: SoftTpm | undefined;
let emu: RunningEmulator;
let serve: RunningServe | undefined;
const logs: string[] = [];
const env: NodeJS.ProcessEnv = { TPM_PIN: PIN };

beforeAll(async () => {
  if (tpmMissing) return;
  const root = await createRootCa({ keyType: "ec-p256" });
  const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
  tpm = await SoftTpm.start();
  tpm.addToken("serve-tpm", PIN, leaf.keyPem, leaf.certPem, "ecc");
  // tpm2-pkcs11 reads these at C_Initialize, in this process.
  Object.assign(process.env, tpm.env());
  emu = await startEmulator({ trustAnchorCertPem: root.certPem });
}, 120_000);

afterAll(async () => {
  await serve?.close();
  closePkcs11Sessions();
  await emu?.close();
  await tpm?.remove();
});

describe("serve with a key in a TPM (tpm2-pkcs11)", () => {
  it.skipIf(!!tpmMissing)(`keeps the session across refreshes, survives the TPM going away, and opens it again when it is back${note}`, async () => {
    const config = resolveSessionConfig(
      { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn, endpoint: emu.endpoint, maxAttempts: 1, timeoutMs: 5000 },
      {},
    );
    const fetch = createCredentialFetcher(
      { certificate: { pkcs11: "pkcs11:token=serve-tpm;object=leaf?pin-source=env:TPM_PIN", module: tpm!.module } },
      config,
      { io: { env } },
    );
    serve = await startServe({ fetch, roleArn: emu.roleArn, port: 0, log: (l) => logs.push(l), refresher: { minRefreshIntervalMs: 0 } });
    const token = await imdsToken(serve.url);
    const first = JSON.parse((await imdsCredentials(serve.url, token, emu.roleArn.split("/").pop())).body) as { AccessKeyId: string };
    expect(first.AccessKeyId).toMatch(/^ASIA/);

    // Refreshes sign in the open, logged-in session: the PIN is not read again.
    env.TPM_PIN = "no-longer-right";
    const second = await serve.refresher.refreshNow();
    expect(second.accessKeyId).not.toBe(first.AccessKeyId);
    const served = JSON.parse((await imdsCredentials(serve.url, token, emu.roleArn.split("/").pop())).body) as { AccessKeyId: string };
    expect(served.AccessKeyId).toBe(second.accessKeyId);

    // The TPM goes away: the refresh fails with one line; the last good credentials are still served.
    await tpm!.stop();
    let failure: Error | undefined;
    try {
      await serve.refresher.refreshNow();
    } catch (err) {
      failure = err as Error;
    }
    expect(failure?.message).toMatch(/^PKCS#11 /);
    expect(failure?.message).not.toContain("\n");
    expect(failure?.message).not.toContain(PIN);
    const during = await imdsCredentials(serve.url, token, emu.roleArn.split("/").pop());
    expect(during.status).toBe(200);
    expect((JSON.parse(during.body) as { AccessKeyId: string }).AccessKeyId).toBe(second.accessKeyId);

    // Back again: the next refresh loads the module afresh and logs in with the PIN that worked.
    await tpm!.launch();
    const third = await serve.refresher.refreshNow();
    expect(third.accessKeyId).not.toBe(second.accessKeyId);
    expect(emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success")).toHaveLength(3);
    expect(logs.join("\n")).not.toContain(PIN);
  }, 120_000);
});
