import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { createHealthHandler } from "../../../src/outputs/serve/health.js";
import { createImdsHandler } from "../../../src/outputs/serve/imds-handler.js";
import type { ImdsHandler } from "../../../src/outputs/serve/imds-handler.js";
import { listen } from "../../../src/outputs/serve/listen.js";
import type { Listening } from "../../../src/outputs/serve/listen.js";
import { createServeHandler } from "../../../src/outputs/serve/router.js";
import { makeCredentials, raw, ROLE_NAME, staticSource } from "./support.js";

const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const TTL = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN = "x-aws-ec2-metadata-token";
const CREDS_PATH = `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`;

describe("IMDSv2 routes over loopback", () => {
  let clock: ManualClock;
  let source: ReturnType<typeof staticSource>;
  let imds: ImdsHandler;
  let server: Listening;
  let base: string;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    source = staticSource(makeCredentials(T0 + 3600_000));
    imds = createImdsHandler({ source, roleName: ROLE_NAME, clock });
    const health = createHealthHandler({ source, clock });
    server = await listen(createServeHandler({ imds, health, mode: "loopback" }), { host: "127.0.0.1", port: 0 });
    base = server.url;
  });
  afterEach(async () => {
    imds.close();
    await server.close();
  });

  const newToken = async (ttl = "21600"): Promise<string> => {
    const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { [TTL]: ttl } });
    expect(r.status).toBe(200);
    return r.body;
  };

  it("issues a 100-character base64 token and echoes the TTL header", async () => {
    const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { [TTL]: "300" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^[A-Za-z0-9+/]{100}$/);
    expect(r.headers[TTL]).toBe("300");
    expect(imds.tokenCount()).toBe(1);
  });

  it("defaults a missing TTL header to 21600 seconds", async () => {
    const r = await raw(base, "/latest/api/token", { method: "PUT" });
    expect(r.status).toBe(200);
    expect(r.headers[TTL]).toBe("21600");
    const rolePath = "/latest/meta-data/iam/security-credentials/";
    clock.advance(21599_000);
    expect((await raw(base, rolePath, { headers: { [TOKEN]: r.body } })).status).toBe(200);
    clock.advance(1_000);
    expect((await raw(base, rolePath, { headers: { [TOKEN]: r.body } })).status).toBe(401);
  });

  it.each(["0", "21601", "abc", "-5", "1.5"])("refuses TTL %s with 400 invalid token TTL", async (ttl) => {
    const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { [TTL]: ttl } });
    expect(r.status).toBe(400);
    expect(r.body).toBe("invalid token TTL\n");
    expect(imds.tokenCount()).toBe(0);
  });

  it("accepts the TTL bounds 1 and 21600", async () => {
    for (const ttl of ["1", "21600"]) {
      const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { [TTL]: ttl } });
      expect(r.status).toBe(200);
    }
  });

  it("refuses a token request carrying X-Forwarded-For with 400", async () => {
    const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { [TTL]: "60", "X-Forwarded-For": "10.0.0.1" } });
    expect(r.status).toBe(400);
    expect(r.body).toBe("unable to process requests with X-Forwarded-For header\n");
    expect(imds.tokenCount()).toBe(0);
  });

  it("answers 405 to a token request that is not PUT", async () => {
    const r = await raw(base, "/latest/api/token", { method: "GET" });
    expect(r.status).toBe(405);
    expect(r.body).toBe("");
  });

  it("answers 401 when no token is given", async () => {
    for (const path of ["/latest/meta-data/iam/security-credentials/", CREDS_PATH]) {
      const r = await raw(base, path);
      expect(r.status).toBe(401);
      expect(r.body).toBe("no token provided\n");
    }
  });

  it("answers 401 to an unknown token", async () => {
    await newToken();
    const r = await raw(base, CREDS_PATH, { headers: { [TOKEN]: "A".repeat(100) } });
    expect(r.status).toBe(401);
    expect(r.body).toBe("invalid token provided\n");
  });

  it("answers 401 once the token's TTL has passed on the injected clock", async () => {
    const token = await newToken("60");
    clock.advance(59_999);
    expect((await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } })).status).toBe(200);
    clock.advance(1);
    const r = await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } });
    expect(r.status).toBe(401);
    expect(r.body).toBe("invalid token provided\n");
    expect(imds.tokenCount()).toBe(0);
  });

  it("answers the role name, with and without the trailing slash, and the remaining token seconds", async () => {
    const token = await newToken("600");
    clock.advance(100_500);
    for (const path of ["/latest/meta-data/iam/security-credentials", "/latest/meta-data/iam/security-credentials/"]) {
      const r = await raw(base, path, { headers: { [TOKEN]: token } });
      expect(r.status).toBe(200);
      expect(r.body).toBe(ROLE_NAME);
      expect(r.headers[TTL]).toBe("499");
    }
  });

  it("answers the credentials document in the IMDS shape", async () => {
    const token = await newToken();
    const creds = source.current()!;
    for (const path of [CREDS_PATH, CREDS_PATH + "/"]) {
      const r = await raw(base, path, { headers: { [TOKEN]: token } });
      expect(r.status).toBe(200);
      expect(r.body.endsWith("}\n")).toBe(true);
      const doc = JSON.parse(r.body) as Record<string, string>;
      expect(Object.keys(doc)).toEqual(["AccessKeyId", "SecretAccessKey", "Token", "Code", "Type", "Expiration", "LastUpdated"]);
      expect(doc).toEqual({
        AccessKeyId: creds.accessKeyId,
        SecretAccessKey: creds.secretAccessKey.reveal(),
        Token: creds.sessionToken.reveal(),
        Code: "Success",
        Type: "AWS-HMAC",
        Expiration: "2030-01-15T13:00:00Z",
        LastUpdated: "2030-01-15T12:00:00Z",
      });
    }
  });

  it("moves LastUpdated when the source hands out new credentials", async () => {
    const token = await newToken();
    await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } });
    clock.advance(1800_000);
    source.set(makeCredentials(T0 + 5400_000));
    const doc = JSON.parse((await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } })).body) as Record<string, string>;
    expect(doc["LastUpdated"]).toBe("2030-01-15T12:30:00Z");
    expect(doc["Expiration"]).toBe("2030-01-15T13:30:00Z");
  });

  it("answers 404 for a role name that is not the served one (unlike the Go helper)", async () => {
    const token = await newToken();
    const r = await raw(base, "/latest/meta-data/iam/security-credentials/other-role", { headers: { [TOKEN]: token } });
    expect(r.status).toBe(404);
    expect(r.body).not.toContain(ROLE_NAME);
  });

  it("answers 404 for the security-credentials-extended path, so SDKs fall back to the legacy path", async () => {
    const token = await newToken();
    const r = await raw(base, "/latest/meta-data/iam/security-credentials-extended/", { headers: { [TOKEN]: token } });
    expect(r.status).toBe(404);
  });

  it("answers 405 to a credentials request that is not GET", async () => {
    const token = await newToken();
    const r = await raw(base, CREDS_PATH, { method: "POST", headers: { [TOKEN]: token } });
    expect(r.status).toBe(405);
  });

  it("answers 503 with a JSON body, never 200, when the source has no valid credentials", async () => {
    const token = await newToken();
    source.set(undefined);
    const r = await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } });
    expect(r.status).toBe(503);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r.body)).toEqual({ Code: "CredentialsUnavailable", Message: expect.any(String) });
  });

  it("answers 503 when the clock passes the credentials' expiration even if the source still returns them", async () => {
    const token = await newToken();
    clock.set(T0 + 3600_000);
    const r = await raw(base, CREDS_PATH, { headers: { [TOKEN]: token } });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).Code).toBe("CredentialsUnavailable");
    expect(r.body).not.toContain(source.current()!.accessKeyId);
  });

  it("keeps at most 256 live tokens: the 257th evicts the earliest-expiring, not the oldest", async () => {
    const oldest = await newToken("21600");
    const shortLived = await newToken("50");
    const rest: string[] = [];
    for (let i = 0; i < 254; i++) rest.push(await newToken("21600"));
    expect(imds.tokenCount()).toBe(256);
    const newest = await newToken("21600");
    expect(imds.tokenCount()).toBe(256);
    expect((await raw(base, CREDS_PATH, { headers: { [TOKEN]: shortLived } })).status).toBe(401);
    for (const t of [oldest, rest[0]!, rest[253]!, newest]) {
      expect((await raw(base, CREDS_PATH, { headers: { [TOKEN]: t } })).status).toBe(200);
    }
  });
});
