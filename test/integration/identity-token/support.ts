/**
 * Test support for identity tokens: the emulator on 127.0.0.1 trusting a
 * fresh PKI, Roles Anywhere credentials from it (fromRolesAnywhere), and
 * helpers to read and rewrite tokens.
 */
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { fromRolesAnywhere } from "../../../src/provider/index.js";
import { cleanEnv, emulatorFor, identityFiles, makePki, type IdentityFiles } from "../provider/support.js";

export interface World {
  emu: RunningEmulator;
  files: IdentityFiles;
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** GetCallerIdentity requests the emulator has answered so far. */
  stsCalls(): number;
  close(): Promise<void>;
}

export async function startWorld(sessionName = "token-maker"): Promise<World> {
  const pki = await makePki();
  const client = await pki.issue("identity-token-client");
  const emu = await emulatorFor(pki.root);
  const files = identityFiles(client, "identity-token-");
  const creds = await fromRolesAnywhere({
    certificate: { path: files.certPath },
    privateKey: { path: files.keyPath },
    trustAnchorArn: emu.trustAnchorArn,
    profileArn: emu.profileArn,
    roleArn: emu.roleArn,
    roleSessionName: sessionName,
    endpoint: emu.endpoint,
    env: cleanEnv(),
    logger: { warn: () => undefined },
  })();
  return {
    emu,
    files,
    creds: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
    stsCalls: () => emu.audit.filter((e) => e.operation !== "CreateSession").length,
    close: async () => {
      await emu.close();
      files.remove();
    },
  };
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** A Vault login payload, decoded, for tests to change and encode again. */
export interface VaultParts {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string[]>;
}

export function vaultParts(token: string): VaultParts {
  const p = JSON.parse(token) as Record<string, string>;
  return {
    method: p["iam_http_request_method"]!,
    url: unb64(p["iam_request_url"]!),
    body: unb64(p["iam_request_body"]!),
    headers: JSON.parse(unb64(p["iam_request_headers"]!)) as Record<string, string[]>,
  };
}

export function vaultToken(p: VaultParts): string {
  return JSON.stringify({
    iam_http_request_method: p.method,
    iam_request_url: b64(p.url),
    iam_request_body: b64(p.body),
    iam_request_headers: b64(JSON.stringify(p.headers)),
  });
}
