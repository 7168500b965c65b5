import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromSaml } from "../../../src/index.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa } from "../../../src/pki/index.js";

// fromSaml with the SDK v3 STS client against the emulator's IdP and STS.
const PASSWORD = "pr0vider-Saml-pw";
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ trustAnchorCertPem: (await createRootCa()).certPem, samlUser: { name: "frank", password: PASSWORD } });
}, 60_000);
afterAll(async () => { await emu?.close(); });

describe("fromSaml", () => {
  it("signs in at the IdP and the SDK's GetCallerIdentity shows the assertion's role session; forceRefresh signs in again", async () => {
    let reads = 0;
    const credentials = fromSaml({ idpUrl: emu.samlIdpUrl!, username: "frank", password: () => { reads++; return PASSWORD; }, stsEndpoint: emu.endpoint, env: {} });
    const sts = new STSClient({ region: "us-east-1", endpoint: emu.endpoint, credentials });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/frank`);
    const first = await credentials();
    const again = await credentials({ forceRefresh: true });
    expect(again.accessKeyId).not.toBe(first.accessKeyId);
    expect(reads).toBe(2);
  });

  it("a wrong password is a CredentialsProviderError naming the refusal", async () => {
    const credentials = fromSaml({ idpUrl: emu.samlIdpUrl!, username: "frank", password: () => "nope", stsEndpoint: emu.endpoint, env: {} });
    await expect(credentials()).rejects.toMatchObject({ name: "CredentialsProviderError", tryNextLink: false, message: expect.stringContaining("refused the user name or password of frank") });
  });
});
