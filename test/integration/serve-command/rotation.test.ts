/**
 * Certificate rotation under a running serve: the certificate and key files are
 * replaced, and the next CreateSession (forced, or made by the background loop)
 * uses the new certificate, as the emulator's audit log shows.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { startServe } from "../../../src/outputs/serve-runner.js";
import type { RunningServe } from "../../../src/outputs/serve-runner.js";
import { emulatorFor, eventually, fetcherFor, imdsCredentials, imdsToken, makePki, ROLE_ARN, type Pki } from "./world.js";

const sessions = (emu: RunningEmulator) => emu.audit.filter((e) => e.operation === "CreateSession");

describe("serve picks up rotated certificate and key files", () => {
  let pki: Pki | undefined;
  let emu: RunningEmulator | undefined;
  let serve: RunningServe | undefined;
  afterEach(async () => {
    await serve?.close();
    await emu?.close();
    pki?.cleanup();
    serve = emu = pki = undefined;
  });

  it("uses the new certificate's serial in the CreateSession after the files are replaced (forced refresh)", async () => {
    pki = await makePki("serve-rotate-");
    emu = await emulatorFor(pki);
    serve = await startServe({ fetch: fetcherFor(pki, emu), roleArn: ROLE_ARN, port: 0 });
    const oldSerial = pki.leaf.serialDecimal;
    expect(sessions(emu).map((e) => [e.outcome, e.serial])).toEqual([["success", oldSerial]]);
    const token = await imdsToken(serve.url);
    const before = JSON.parse((await imdsCredentials(serve.url, token)).body) as { AccessKeyId: string };

    const renewed = await pki.rotate();
    expect(renewed.serialDecimal).not.toBe(oldSerial);
    await serve.refresher.refreshNow();

    expect(sessions(emu).map((e) => [e.outcome, e.serial])).toEqual([
      ["success", oldSerial],
      ["success", renewed.serialDecimal],
    ]);
    expect(sessions(emu)[1]!.subject).toMatch(/serve test client renewed/);
    const after = JSON.parse((await imdsCredentials(serve.url, token)).body) as { AccessKeyId: string };
    expect(after.AccessKeyId).not.toBe(before.AccessKeyId);
    expect(after.AccessKeyId).toBe(sessions(emu)[1]!.accessKeyId);
  });

  it("the background loop alone uses the new certificate at its next refresh", async () => {
    pki = await makePki("serve-rotate-loop-");
    emu = await emulatorFor(pki);
    // A stale window of the whole lifetime less 2 s: the loop refreshes every 1-2 s of real time
    // (the emulator floors the expiration to whole seconds). A refresh that reads the files in the
    // middle of the swap fails on the key mismatch and is retried after 100-500 ms.
    const lifetime = 3600_000;
    serve = await startServe({
      fetch: fetcherFor(pki, emu),
      roleArn: ROLE_ARN,
      port: 0,
      refresher: { staleMinMs: lifetime - 2000, staleMaxMs: lifetime - 2000, minRefreshIntervalMs: 0, backoff: { baseMs: 100, maxMs: 500 } },
    });
    const oldSerial = pki.leaf.serialDecimal;
    const renewed = await pki.rotate();
    const used = await eventually(
      async () => sessions(emu!).find((e) => e.outcome === "success" && e.serial === renewed.serialDecimal),
      15_000,
      "a CreateSession with the renewed certificate",
    );
    expect(used.serial).toBe(renewed.serialDecimal);
    expect(sessions(emu)[0]!.serial).toBe(oldSerial);
    // A certificate that does not match its key is caught before sending: the service never saw a bad request.
    expect(sessions(emu).every((e) => e.outcome === "success")).toBe(true);
  });
});
