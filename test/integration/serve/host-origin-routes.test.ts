/**
 * serve against a web page on the same machine (DNS rebinding: the page's own
 * name resolving to 127.0.0.1, so its Host header is that name; cross-origin
 * requests carrying Origin), `routes` to make the container token the only
 * way in, and the warning for a token file others may read. Real sockets on
 * 127.0.0.1; the credentials come from a static fetch.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthTokenSource } from "../../../src/outputs/serve/auth-token.js";
import { startServe, type RunningServe } from "../../../src/outputs/serve-runner.js";
import { makeCredentials, raw, ROLE_ARN, ROLE_NAME } from "./support.js";

const TOKEN = "host-origin-token-5f1c";
const fetch = async () => makeCredentials(Date.now() + 3600_000);
const env = { T: TOKEN };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "serve-host-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function imdsTokenWith(base: string, headers: Record<string, string> = {}) {
  return raw(base, "/latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60", ...headers } });
}

describe("serve: Host allowlist and Origin refusal", () => {
  let serve: RunningServe;
  const logs: string[] = [];
  beforeAll(async () => {
    serve = await startServe({
      fetch,
      roleArn: ROLE_ARN,
      port: 0,
      authToken: createAuthTokenSource({ kind: "env", name: "T" }, { env }),
      allowHosts: ["ra.internal"],
      log: (l) => logs.push(l),
    });
  });
  afterAll(() => serve?.close());

  it("answers Host 127.0.0.1, localhost and --allow-host names, with any port", async () => {
    for (const host of [`127.0.0.1:${serve.port}`, "localhost", `LOCALHOST:${serve.port}`, "ra.internal:80"]) {
      const r = await imdsTokenWith(serve.url, { host });
      expect(r.status, `${host}: ${r.body}`).toBe(200);
    }
  });

  it("refuses another Host with 403 on every route: a rebinding page cannot get a token, credentials or health", async () => {
    const good = (await imdsTokenWith(serve.url)).body;
    const attacks = [
      () => imdsTokenWith(serve.url, { host: `evil.example:${serve.port}` }),
      () => raw(serve.url, `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`, { headers: { host: "evil.example", "x-aws-ec2-metadata-token": good } }),
      () => raw(serve.url, "/v1/credentials", { headers: { host: "127.0.0.1.evil.example", authorization: TOKEN } }),
      () => raw(serve.url, "/healthz", { headers: { host: "evil.example" } }),
    ];
    for (const attack of attacks) {
      const r = await attack();
      expect(r.status, r.body).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ Code: "Forbidden", Message: expect.stringMatching(/^Host '.*' is not allowed: this server answers only 127\.0\.0\.1, localhost, ra\.internal/) });
      expect(r.body).not.toContain("ASIA");
    }
    expect(logs.some((l) => l.startsWith("serve: refused PUT /latest/api/token: Host 'evil.example"))).toBe(true);
  });

  it("refuses requests carrying an Origin header on the credential routes, not on the health routes", async () => {
    const good = (await imdsTokenWith(serve.url)).body;
    const origin = { origin: "http://evil.example" };
    expect((await imdsTokenWith(serve.url, origin)).status).toBe(403);
    const creds = await raw(serve.url, `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`, { headers: { ...origin, "x-aws-ec2-metadata-token": good } });
    expect(creds.status).toBe(403);
    expect(JSON.parse(creds.body)).toEqual({ Code: "Forbidden", Message: "requests from web pages (with an Origin header) are refused on the credential routes" });
    expect((await raw(serve.url, "/v1/credentials", { headers: { ...origin, authorization: TOKEN } })).status).toBe(403);
    expect((await raw(serve.url, "/healthz", { headers: origin })).status).toBe(200);
    // Without Origin the same requests work.
    expect((await raw(serve.url, `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`, { headers: { "x-aws-ec2-metadata-token": good } })).status).toBe(200);
    expect((await raw(serve.url, "/v1/credentials", { headers: { authorization: TOKEN } })).status).toBe(200);
  });
});

describe("serve: routes", () => {
  it("with routes ['container'] the IMDS routes answer 404, so the token is the only way in", async () => {
    const serve = await startServe({ fetch, roleArn: ROLE_ARN, port: 0, routes: ["container"], authToken: createAuthTokenSource({ kind: "env", name: "T" }, { env }) });
    try {
      expect((await imdsTokenWith(serve.url)).status).toBe(404);
      expect((await raw(serve.url, "/latest/meta-data/iam/security-credentials/")).status).toBe(404);
      expect((await raw(serve.url, "/v1/credentials", { headers: { authorization: TOKEN } })).status).toBe(200);
      expect((await raw(serve.url, "/v1/credentials")).status).toBe(401);
    } finally {
      await serve.close();
    }
  });

  it("refuses routes it cannot serve before listening", async () => {
    await expect(startServe({ fetch, roleArn: ROLE_ARN, port: 0, routes: ["container"] })).rejects.toMatchObject({
      code: "USAGE",
      message: "--routes container: the container route needs a token",
    });
    await expect(startServe({ fetch, roleArn: ROLE_ARN, port: 0, routes: [] })).rejects.toMatchObject({ code: "USAGE" });
  });
});

describe("serve: token file readable by others", () => {
  it("warns (with the fix) when group or others may read the token file, and not for mode 0600", () => {
    const file = join(dir, "token");
    writeFileSync(file, TOKEN);
    chmodSync(file, 0o644);
    const lines: string[] = [];
    createAuthTokenSource({ kind: "file", path: file }, { env: {}, log: (l) => lines.push(l) });
    expect(lines).toEqual([
      `warning: --auth-token-file ${file} is readable by other users (mode 0644): anyone who can read it can fetch the credentials`,
      `hint: chmod 600 ${file} (in Kubernetes: defaultMode: 0400 on the secret volume)`,
    ]);
    chmodSync(file, 0o600);
    const quiet: string[] = [];
    createAuthTokenSource({ kind: "file", path: file }, { env: {}, log: (l) => quiet.push(l) });
    expect(quiet).toEqual([]);
  });
});
