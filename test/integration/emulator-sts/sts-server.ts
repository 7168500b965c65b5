// Test-only: a bare node:http server on 127.0.0.1:0 that reads the body and
// hands every request to the STS handler (the full emulator server is separate).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "../../../src/clock.js";
import { CredentialStore } from "../../../src/emulator/credential-store.js";
import { createStsHandler } from "../../../src/emulator/sts/handler.js";
import type { AuditEntry, EmulatorRole, MintedCredentials } from "../../../src/emulator/types.js";

export const ACCOUNT = "123456789012";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/demo`;
export const TARGET_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/target`;

export interface StsTestServer {
  endpoint: string;
  port: number;
  store: CredentialStore;
  clock: ManualClock;
  audit: AuditEntry[];
  /** Mints credentials for ROLE_ARN at the clock's time. */
  mint(opts?: { durationSeconds?: number; sessionName?: string; now?: number }): MintedCredentials;
  close(): Promise<void>;
}

export async function startStsServer(): Promise<StsTestServer> {
  const store = new CredentialStore();
  const clock = new ManualClock(Date.now());
  const audit: AuditEntry[] = [];
  const roles = new Map<string, EmulatorRole>([
    [ROLE_ARN, { arn: ROLE_ARN, maxSessionDuration: 3600 }],
    [TARGET_ROLE_ARN, { arn: TARGET_ROLE_ARN, maxSessionDuration: 43200 }],
  ]);
  const handler = createStsHandler({ store, clock, region: "us-east-1", roles: (a) => roles.get(a), audit: (e) => audit.push(e) });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    store,
    clock,
    audit,
    mint: (opts) =>
      store.mint({ accountId: ACCOUNT, roleArn: ROLE_ARN, roleSessionName: opts?.sessionName ?? "test-session",
        durationSeconds: opts?.durationSeconds ?? 3600, now: opts?.now ?? clock.now() }),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
