import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SessionInit } from "../../../src/session/config.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { createSession } from "../../../src/session/create-session.js";
import type { ForwardProxy, TestIdentity, TestServer } from "./helpers.js";
import {
  ARNS,
  closedPort,
  failure,
  hasOpenssl,
  json,
  never,
  opensslIdentity,
  opensslServerCert,
  SECRET_ACCESS_KEY,
  SESSION_TOKEN,
  notLoopbackName,
  startProxy,
  startServer,
  steppingClock,
  successBody,
  verifyRecorded,
} from "./helpers.js";

function noSleep(delays: number[] = []) {
  return async (ms: number) => {
    delays.push(ms);
  };
}

const reason = hasOpenssl ? "" : " (skipped: openssl not found)";

describe.skipIf(!hasOpenssl)(`createSession against local servers${reason}`, () => {
  let ec: TestIdentity;
  let rsa: TestIdentity;
  const open: Array<{ close(): Promise<void> }> = [];
  const tmp = mkdtempSync(join(tmpdir(), "session-it-"));

  beforeAll(() => {
    ec = opensslIdentity("ec");
    rsa = opensslIdentity("rsa");
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function server(...replies: Parameters<typeof startServer>[0]): Promise<TestServer> {
    const s = await startServer(replies);
    open.push(s);
    return s;
  }

  function config(endpoint: string, extra: Partial<SessionInit> = {}, env: NodeJS.ProcessEnv = {}) {
    return resolveSessionConfig({ ...ARNS, endpoint, ...extra }, env);
  }

  it("sends the official request shape and parses a 201 answer", async () => {
    const s = await server(json(201, successBody(ARNS.roleArn), { "x-amzn-requestid": "req-ok" }));
    const creds = await createSession(config(s.url), ec, { clock: steppingClock() });

    expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
    expect(creds.secretAccessKey.reveal()).toBe(SECRET_ACCESS_KEY);
    expect(creds.sessionToken.reveal()).toBe(SESSION_TOKEN);
    expect(creds.expirationRaw).toBe("2030-01-01T01:00:00Z");
    expect(creds.expiration.getTime()).toBe(Date.UTC(2030, 0, 1, 1, 0, 0));
    expect(creds.accountId).toBe("210987654321");
    expect(creds.assumedRoleArn).toBe("arn:aws:sts::210987654321:assumed-role/demo/session");

    expect(s.requests).toHaveLength(1);
    const req = s.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe(
      "/sessions?profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2F11111111-2222-3333-4444-555555555555" +
        "&roleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2FExampleRole" +
        "&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2F66666666-7777-8888-9999-000000000000",
    );
    expect(req.body).toBe('{"durationSeconds":3600}');
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.host).toBe(`127.0.0.1:${s.port}`);
    expect(req.headers["x-amz-x509"]).toBe(ec.certificateDer.toString("base64"));
    expect(req.headers["x-amz-x509-chain"]).toBeUndefined();
    expect(req.headers["x-amz-date"]).toBe("20240706T143004Z");
    expect(req.headers["user-agent"]).toMatch(
      new RegExp(`^rolesanywhere-signing-helper/\\d+\\.\\d+\\.\\d+\\S* \\(node/${process.versions.node}; ${process.platform}; ${process.arch}\\)$`),
    );

    const v = verifyRecorded(req, ec.certificate);
    expect(v.algorithm).toBe("AWS4-X509-ECDSA-SHA256");
    expect(v.credential).toBe(`${ec.serialDecimal}/20240706/us-east-1/rolesanywhere/aws4_request`);
    expect(v.signedHeaders).toEqual(["content-type", "host", "x-amz-date", "x-amz-x509"]);
    expect(v.wireQueryIsCanonical).toBe(true);
  });

  it("signs with RSA, sends the chain and the role session name, and accepts an identity callback", async () => {
    const s = await server(json(201, successBody(ARNS.roleArn)));
    const chain = [ec.certificateDer];
    await createSession(config(s.url, { roleSessionName: "ci-42", durationSeconds: 900, region: "us-east-1" }), async () => ({ ...rsa, chainDer: chain }));
    const req = s.requests[0]!;
    expect(req.body).toBe('{"durationSeconds":900,"roleSessionName":"ci-42"}');
    expect(req.headers["x-amz-x509-chain"]).toBe(ec.certificateDer.toString("base64"));
    const v = verifyRecorded(req, rsa.certificate);
    expect(v.algorithm).toBe("AWS4-X509-RSA-SHA256");
    expect(v.signedHeaders).toContain("x-amz-x509-chain");
  });

  it("retries 503 then 429, re-signing each attempt with a fresh X-Amz-Date", async () => {
    const s = await server(
      json(503, { message: "try later" }, { "x-amzn-errortype": "ServiceUnavailableException" }),
      json(429, { message: "slow down" }, { "x-amzn-errortype": "ThrottlingException" }),
      json(201, successBody(ARNS.roleArn)),
    );
    const delays: number[] = [];
    const creds = await createSession(config(s.url), ec, { clock: steppingClock(), sleep: noSleep(delays), random: () => 0.5 });
    expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
    expect(s.requests).toHaveLength(3);
    const dates = s.requests.map((r) => r.headers["x-amz-date"]);
    expect(new Set(dates).size).toBe(3);
    expect(dates).toEqual(["20240706T143004Z", "20240706T143005Z", "20240706T143006Z"]);
    const signatures = s.requests.map((r) => verifyRecorded(r, ec.certificate).signatureHex);
    expect(new Set(signatures).size).toBe(3);
    // full jitter at 0.5: 100 ms ceiling after the 503, 1000 ms (throttling base 500 × 2) after the 429
    expect(delays).toEqual([50, 500]);
  });

  it("keeps retrying throttling past maxAttempts until the waits add up to 30 minutes, with growing jittered waits", async () => {
    const throttle = json(429, { message: "Rate exceeded" }, { "x-amzn-errortype": "ThrottlingException" });
    const s = await server(throttle, throttle, throttle, throttle, throttle, json(201, successBody(ARNS.roleArn)));
    const delays: number[] = [];
    const creds = await createSession(config(s.url), ec, { sleep: noSleep(delays), random: () => 0.5 });
    expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
    expect(s.requests).toHaveLength(6);
    // full jitter at 0.5 of min(20 s, 500 ms × 2^(n-1))
    expect(delays).toEqual([250, 500, 1000, 2000, 4000]);
    // Throttling stops once the waits add up to 30 minutes; those waits do not use up the call's
    // deadline (15 s by default): the endpoint answered each time.
    const waits: number[] = [];
    const endless = await server(...Array.from({ length: 400 }, () => throttle));
    const e = await failure(createSession(config(endless.url), ec, { random: () => 0.5, sleep: noSleep(waits) }));
    expect(e.status).toBe(429);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(30 * 60_000);
    expect(total - waits.at(-1)!).toBeLessThan(30 * 60_000);
    expect(Math.max(...waits)).toBe(10_000);
    expect(endless.requests).toHaveLength(waits.length + 1);
    // maxAttempts 1 still means one attempt
    const once = await server(throttle, throttle);
    await failure(createSession(config(once.url, { maxAttempts: 1 }), ec, { sleep: noSleep([]) }));
    expect(once.requests).toHaveLength(1);
  });

  it("gives up after maxAttempts with the last status", async () => {
    const s = await server(
      json(500, { message: "boom" }),
      json(502, { message: "bad gateway" }, { "x-amzn-requestid": "req-last" }),
    );
    const delays: number[] = [];
    const e = await failure(createSession(config(s.url), ec, { sleep: noSleep(delays) }));
    expect(s.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(e.status).toBe(502);
    expect(e.retryable).toBe(true);
    expect(e.message).toBe("CreateSession failed: bad gateway (HTTP 502, request id req-last, 3 attempts)");
    expect(e.hint).toMatch(/retry later/);
  });

  it("does not retry 403 Untrusted Signing Certificate and explains it", async () => {
    const s = await server(
      json(403, { message: "Untrusted Signing Certificate" }, { "x-amzn-errortype": "AccessDeniedException", "x-amzn-requestid": "req-403" }),
    );
    const delays: number[] = [];
    const e = await failure(createSession(config(s.url), ec, { sleep: noSleep(delays) }));
    expect(s.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(e.message).toBe("CreateSession failed: AccessDeniedException: Untrusted Signing Certificate (HTTP 403, request id req-403)");
    expect(e.code).toBe("CREATE_SESSION");
    expect(e.status).toBe(403);
    expect(e.awsCode).toBe("AccessDeniedException");
    expect(e.requestId).toBe("req-403");
    expect(e.hint).toBe(
      "the trust anchor does not hold the CA that issued the certificate, or an intermediate CA is missing: pass it with --intermediates or use a fullchain --certificate",
    );
  });

  it("reports an empty credentialSet", async () => {
    const s = await server(json(201, { credentialSet: [] }));
    const e = await failure(createSession(config(s.url), ec));
    expect(e.code).toBe("NO_CREDENTIALS");
    expect(e.message).toMatch(/^unable to obtain temporary security credentials from CreateSession/);
  });

  it("retries a refused connection, then fails with NETWORK and a hint", async () => {
    const port = await closedPort();
    const delays: number[] = [];
    const e = await failure(createSession(config(`http://127.0.0.1:${port}`), ec, { sleep: noSleep(delays) }));
    expect(delays).toHaveLength(2);
    expect(e.code).toBe("NETWORK");
    expect(e.status).toBe(0);
    expect(e.message).toMatch(new RegExp(`^CreateSession failed: cannot connect to http://127\\.0\\.0\\.1:${port}/sessions: .*\\(ECONNREFUSED, 3 attempts\\)$`));
    expect(e.hint).toMatch(/--endpoint/);
  });

  it("times out against a server that never answers: one deadline for the whole call, not one per attempt", async () => {
    const s = await server(never);
    const delays: number[] = [];
    const started = Date.now();
    const e = await failure(createSession(config(s.url, { timeoutMs: 400, maxAttempts: 3 }), ec, { sleep: noSleep(delays) }));
    // The first attempt used up the deadline: no second one (3 × 400 ms before).
    expect(s.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toBe(`CreateSession failed: no answer from ${s.url}/sessions within 0.4 s (TIMEOUT)`);
    expect(e.hint).toMatch(/did not answer in time/);
  });

  it("retries within the deadline and stops at it: a backoff never sleeps past it", async () => {
    const busy = json(503, { message: "busy" }, { "x-amzn-errortype": "ServiceUnavailableException" });
    const s = await server(busy);
    // A monotonic clock that only the (fake) backoff moves.
    let now = 0;
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      now += ms;
    };
    const e = await failure(createSession(config(s.url, { timeoutMs: 1000, maxAttempts: 10 }), ec, { sleep, random: () => 0.99, elapsed: () => now }));
    // Full jitter at 0.99 of 100, 200, 400 ms; the next wait (792 ms) would pass the deadline (307 ms left): it stops.
    expect(slept).toEqual([99, 198, 396]);
    expect(s.requests).toHaveLength(4);
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/4 attempts/);
  });

  it("goes through HTTP_PROXY as an absolute-form request, signature intact", async () => {
    const s = await server(json(201, successBody(ARNS.roleArn)));
    const proxy: ForwardProxy = await startProxy();
    open.push(proxy);
    await createSession(config(notLoopbackName(s.url), {}, { HTTP_PROXY: proxy.url }), ec);
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]).toMatch(new RegExp(`^POST http://0\\.0\\.0\\.0:${s.port}/sessions\\?profileArn=`));
    expect(s.requests).toHaveLength(1);
    verifyRecorded(s.requests[0]!, ec.certificate);
  });

  it("bypasses the proxy for hosts in NO_PROXY (undici applies it)", async () => {
    const s = await server(json(201, successBody(ARNS.roleArn)));
    const proxy = await startProxy();
    open.push(proxy);
    await createSession(config(notLoopbackName(s.url), {}, { http_proxy: proxy.url, NO_PROXY: "0.0.0.0" }), ec);
    expect(proxy.seen).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it("never sends a loopback endpoint through the proxy, NO_PROXY or not", async () => {
    const s = await server(json(201, successBody(ARNS.roleArn)));
    const proxy = await startProxy();
    open.push(proxy);
    for (const endpoint of [s.url, s.url.replace("127.0.0.1", "localhost")]) {
      await createSession(config(endpoint, {}, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }), ec);
    }
    expect(proxy.seen).toEqual([]);
    expect(s.requests).toHaveLength(2);
  });

  it("prints the canonical request, string to sign and headers for --debug, with no signature or secret", async () => {
    const s = await server(json(503, {}), json(201, successBody(ARNS.roleArn), { "x-amzn-requestid": "req-dbg" }));
    const lines: string[] = [];
    await createSession(config(s.url), ec, { debug: (l) => lines.push(l), sleep: noSleep(), clock: steppingClock() });
    const out = lines.join("\n");
    expect(out).toContain("canonical request:");
    expect(out).toContain("string to sign:");
    expect(out).toContain("AWS4-X509-ECDSA-SHA256");
    expect(out).toContain("x-amz-date:20240706T143004Z");
    expect(out).toContain("Signature=[redacted]");
    expect(out).toContain("HTTP 201, request id req-dbg");
    expect(out).toMatch(/attempt 1 failed \(HTTP 503\); retrying in \d+ ms/);
    for (const r of s.requests) expect(out).not.toContain(verifyRecorded(r, ec.certificate).signatureHex);
    expect(out).not.toContain(SECRET_ACCESS_KEY);
    expect(out).not.toContain(SESSION_TOKEN);
    expect(out).not.toContain("credentialSet");
  });

  describe("over TLS", () => {
    let tlsMaterial: { certPem: string; keyPem: string };
    let tlsServer: TestServer;
    beforeAll(async () => {
      tlsMaterial = opensslServerCert();
      tlsServer = await startServer([json(201, successBody(ARNS.roleArn))], tlsMaterial);
    });
    afterAll(() => tlsServer.close());

    it("refuses an untrusted server certificate without retrying, hinting at AWS_CA_BUNDLE", async () => {
      const before = tlsServer.requests.length;
      const delays: number[] = [];
      const e = await failure(createSession(config(tlsServer.url), ec, { sleep: noSleep(delays) }));
      expect(delays).toEqual([]);
      expect(tlsServer.requests.length).toBe(before);
      expect(e.code).toBe("NETWORK");
      expect(e.message).toMatch(/^CreateSession failed: TLS verification of https:\/\/127\.0\.0\.1:\d+\/sessions failed: .* \(\w+\)$/);
      expect(e.hint).toMatch(/AWS_CA_BUNDLE.*--no-verify-ssl/);
    });

    it("trusts the server with AWS_CA_BUNDLE", async () => {
      const bundle = join(tmp, "ca.pem");
      writeFileSync(bundle, tlsMaterial.certPem);
      const creds = await createSession(config(tlsServer.url, {}, { AWS_CA_BUNDLE: bundle }), ec);
      expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
    });

    it("connects with --no-verify-ssl", async () => {
      const creds = await createSession(config(tlsServer.url, { noVerifySsl: true }), ec);
      expect(creds.accountId).toBe("210987654321");
    });

    it("tunnels https through HTTPS_PROXY with CONNECT", async () => {
      const proxy = await startProxy();
      open.push(proxy);
      await createSession(config(notLoopbackName(tlsServer.url), { noVerifySsl: true }, { HTTPS_PROXY: proxy.url }), ec);
      expect(proxy.seen).toEqual([`CONNECT 0.0.0.0:${tlsServer.port}`]);
    });
  });
});
