/**
 * fromRolesAnywhere({ configProfile }): the settings from [profile NAME] of the
 * AWS config file, as the CLI's --config-profile reads them; an option beats
 * the environment, which beats the profile. A real STSClient call each time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { fromRolesAnywhere } from "../../../src/index.js";
import { createSessions, emulatorFor, identityFiles, makePki, type IdentityFiles } from "./support.js";

let emu: RunningEmulator;
let files: IdentityFiles;
let dir: string;
let config: string;

beforeAll(async () => {
  const pki = await makePki();
  emu = await emulatorFor(pki.root);
  files = identityFiles(await pki.issue("profile-lib"), "profile-lib-");
  dir = mkdtempSync(join(tmpdir(), "profile-lib-"));
  config = join(dir, "config");
  const section = (name: string, endpoint: string, extra = "") =>
    `[profile ${name}]\nrolesanywhere_certificate = ${files.certPath}\nrolesanywhere_private_key = ${files.keyPath}\n` +
    `rolesanywhere_trust_anchor_arn = ${emu.trustAnchorArn}\nrolesanywhere_profile_arn = ${emu.profileArn}\nrolesanywhere_role_arn = ${emu.roleArn}\n` +
    `rolesanywhere_endpoint = ${endpoint}\n${extra}`;
  writeFileSync(config, section("ra", emu.endpoint, "rolesanywhere_session_duration = 900\n") + section("bad-endpoint", "http://127.0.0.1:9") + "[profile broken]\nrolesanywhere_session_duration = soon\n");
});
afterAll(async () => {
  await emu?.close();
  files?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const arnOf = async (credentials: ReturnType<typeof fromRolesAnywhere>) =>
  (await new STSClient({ region: "us-east-1", endpoint: emu.endpoint, credentials }).send(new GetCallerIdentityCommand({}))).Arn;
const env = (extra: NodeJS.ProcessEnv = {}) => ({ HOME: dir, AWS_CONFIG_FILE: config, ...extra });

describe("fromRolesAnywhere({ configProfile })", () => {
  it("takes every setting from the profile", async () => {
    const provider = fromRolesAnywhere({ configProfile: "ra", env: env(), logger: { warn: () => undefined } });
    expect(await arnOf(provider)).toMatch(/^arn:aws:sts::\d{12}:assumed-role\/rolesanywhere-emulator\//);
    const ids = await provider();
    expect(ids.expiration!.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it("an option beats the profile; the environment beats the profile; the option beats the environment", async () => {
    const before = createSessions(emu.audit).length;
    await arnOf(fromRolesAnywhere({ configProfile: "bad-endpoint", endpoint: emu.endpoint, env: env() }));
    await arnOf(fromRolesAnywhere({ configProfile: "bad-endpoint", env: env({ AWS_ENDPOINT_URL_ROLESANYWHERE: emu.endpoint }) }));
    await arnOf(fromRolesAnywhere({ configProfile: "ra", endpoint: emu.endpoint, env: env({ AWS_ENDPOINT_URL_ROLESANYWHERE: "http://127.0.0.1:9" }) }));
    expect(createSessions(emu.audit).length).toBe(before + 3);
    const ids = await fromRolesAnywhere({ configProfile: "ra", durationSeconds: 1800, env: env() })();
    expect(ids.expiration!.getTime() - Date.now()).toBeGreaterThan(900_000);
  });

  it("a missing profile or a bad value fails as CredentialsProviderError naming it", async () => {
    await expect(fromRolesAnywhere({ configProfile: "nope", env: env() })()).rejects.toThrow(/profile 'nope' is not in /);
    await expect(fromRolesAnywhere({ configProfile: "broken", env: env() })()).rejects.toThrow(/rolesanywhere_session_duration in profile 'broken'.*must be a whole number/);
  });
});
