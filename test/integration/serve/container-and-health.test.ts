import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { createContainerHandler } from "../../../src/outputs/serve/container-handler.js";
import { createHealthHandler } from "../../../src/outputs/serve/health.js";
import { createImdsHandler } from "../../../src/outputs/serve/imds-handler.js";
import { listen } from "../../../src/outputs/serve/listen.js";
import type { Listening } from "../../../src/outputs/serve/listen.js";
import { createServeHandler } from "../../../src/outputs/serve/router.js";
import type { ServeMode } from "../../../src/outputs/serve/router.js";
import { Secret } from "../../../src/secret.js";
import { ACCOUNT_ID, makeCredentials, raw, ROLE_ARN, ROLE_NAME, staticSource } from "./support.js";

const T0 = Date.UTC(2031, 5, 1, 8, 0, 0);
const AUTH = "container-token-0123456789abcdef";

describe("container route, health routes and the router over loopback", () => {
  let clock: ManualClock;
  let source: ReturnType<typeof staticSource>;
  let server: Listening | undefined;
  let token: Secret<string>;
  const logs: string[] = [];

  const start = async (mode: ServeMode, extra: { withContainer?: boolean } = {}): Promise<string> => {
    const imds = createImdsHandler({ source, roleName: ROLE_NAME, clock });
    const container =
      extra.withContainer === false
        ? undefined
        : createContainerHandler({ source, token: () => token, roleArn: ROLE_ARN, accountId: ACCOUNT_ID, clock });
    const health = createHealthHandler({ source, clock });
    const handler = createServeHandler({ imds, ...(container ? { container } : {}), health, mode, log: (l) => logs.push(l) });
    server = await listen(handler, { host: "127.0.0.1", port: 0 });
    return server.url;
  };

  beforeEach(() => {
    clock = new ManualClock(T0);
    source = staticSource(makeCredentials(T0 + 3600_000));
    token = new Secret(AUTH);
    logs.length = 0;
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("serves the container credentials document for the right Authorization value", async () => {
    const base = await start("loopback");
    const r = await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    const creds = source.current()!;
    const doc = JSON.parse(r.body) as Record<string, string>;
    expect(Object.keys(doc)).toEqual(["AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId", "RoleArn"]);
    expect(doc).toEqual({
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey.reveal(),
      Token: creds.sessionToken.reveal(),
      Expiration: "2031-06-01T09:00:00Z",
      AccountId: ACCOUNT_ID,
      RoleArn: ROLE_ARN,
    });
  });

  it("refuses a wrong token with 401 InvalidToken, including a prefix and a longer value", async () => {
    const base = await start("loopback");
    for (const wrong of ["nope", AUTH.slice(0, -1), AUTH + "x", `Bearer ${AUTH}`]) {
      const r = await raw(base, "/v1/credentials", { headers: { Authorization: wrong } });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ Code: "InvalidToken", Message: expect.any(String) });
      expect(r.body).not.toContain(AUTH);
    }
  });

  it("refuses a missing token with 401 MissingToken", async () => {
    const base = await start("loopback");
    const r = await raw(base, "/v1/credentials");
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ Code: "MissingToken", Message: expect.any(String) });
  });

  it("follows a rotated token from the getter", async () => {
    const base = await start("loopback");
    token = new Secret("rotated-token-value");
    expect((await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } })).status).toBe(401);
    expect((await raw(base, "/v1/credentials", { headers: { Authorization: "rotated-token-value" } })).status).toBe(200);
  });

  it("answers 503 with a JSON body when no valid credentials are held, and once they expire", async () => {
    const base = await start("loopback");
    source.set(undefined);
    let r = await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).Code).toBe("CredentialsUnavailable");
    source.set(makeCredentials(T0 + 600_000));
    clock.advance(600_000);
    r = await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } });
    expect(r.status).toBe(503);
  });

  it("answers 405 to a non-GET on the container route", async () => {
    const base = await start("loopback");
    expect((await raw(base, "/v1/credentials", { method: "POST", headers: { Authorization: AUTH } })).status).toBe(405);
  });

  it("answers 404 on /v1/credentials when no token (so no container route) is configured", async () => {
    const base = await start("loopback", { withContainer: false });
    const r = await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } });
    expect(r.status).toBe(404);
  });

  it("answers /healthz 200 always and /readyz 200 only while valid credentials are held", async () => {
    const base = await start("loopback");
    expect((await raw(base, "/healthz")).status).toBe(200);
    let ready = await raw(base, "/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: "ready", expiration: "2031-06-01T09:00:00Z" });
    clock.advance(3600_000);
    ready = await raw(base, "/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).Code).toBe("CredentialsUnavailable");
    const health = await raw(base, "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
  });

  it("answers unknown paths with a 404 JSON body", async () => {
    const base = await start("loopback");
    const r = await raw(base, "/nothing/here");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).Code).toBe("NotFound");
  });

  it("hides the IMDS routes in remote mode but keeps the container and health routes", async () => {
    const base = await start("remote");
    const put = await raw(base, "/latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } });
    expect(put.status).toBe(404);
    expect((await raw(base, `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`)).status).toBe(404);
    expect((await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } })).status).toBe(200);
    expect((await raw(base, "/healthz")).status).toBe(200);
    expect((await raw(base, "/readyz")).status).toBe(200);
  });

  it("answers 500 with a JSON body and logs one line without secrets when a route throws", async () => {
    source = {
      current: () => {
        throw new Error("refresher broke");
      },
      set: () => undefined,
    };
    const base = await start("loopback");
    const r = await raw(base, "/v1/credentials", { headers: { Authorization: AUTH } });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body).Code).toBe("InternalError");
    expect(logs).toEqual(["serve: GET request failed: refresher broke"]);
    expect(logs.join("\n")).not.toContain(AUTH);
  });
});
