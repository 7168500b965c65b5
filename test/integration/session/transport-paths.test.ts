/**
 * CreateSession has two HTTP paths: node:http / node:https for a direct
 * connection (the default when no proxy is set: undici costs too much
 * start-up time) and undici for proxied requests or an injected dispatcher.
 * The same behaviours are checked on both, against real servers on 127.0.0.1:
 * request shape and signature, retries re-signed, connection errors, timeouts
 * (headers and body), the body size cap, and TLS (untrusted, AWS_CA_BUNDLE,
 * --no-verify-ssl). Then the proxied path chosen from the environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SessionInit } from "../../../src/session/config.js";
import { resolveSessionConfig, type ResolvedSessionConfig } from "../../../src/session/config.js";
import { createSession, type CreateSessionOptions } from "../../../src/session/create-session.js";
import { createDefaultDispatcher } from "../../../src/session/transport.js";
import type { Reply, TestIdentity, TestServer } from "./helpers.js";
import {
  ARNS,
  closedPort,
  failure,
  hasOpenssl,
  json,
  never,
  opensslIdentity,
  opensslServerCert,
  notLoopbackName,
  startProxy,
  startServer,
  steppingClock,
  successBody,
  verifyRecorded,
} from "./helpers.js";

const noSleep = async () => undefined;

/** Closes the socket of the request without an answer. */
const hangUp: Reply = (_req, res) => res.socket?.destroy();

/** Sends the headers and part of a body, then nothing more. */
const stallBody: Reply = (_req, res) => {
  res.writeHead(201, { "content-type": "application/json", "content-length": "1000" });
  res.write('{"credentialSet":[');
};

/** A 201 whose body is larger than the 1 MiB cap. */
const hugeBody: Reply = (_req, res) => {
  res.writeHead(201, { "content-type": "application/json" });
  res.end(`{"pad":"${"x".repeat(1_100_000)}"}`);
};

interface Path {
  name: string;
  /** Options that select the path; undefined dispatcher = direct. */
  options(cfg: ResolvedSessionConfig): Promise<CreateSessionOptions>;
  /** The --debug line naming the path. */
  debugLine: RegExp;
}

const dispatchers: Dispatcher[] = [];
const paths: Path[] = [
  { name: "direct (node:http / node:https)", options: async () => ({}), debugLine: /^CreateSession connection: direct \((TCP|TLS)\)$/ },
  {
    name: "undici (injected EnvHttpProxyAgent)",
    options: async (cfg) => {
      const dispatcher = await createDefaultDispatcher(cfg);
      dispatchers.push(dispatcher);
      return { dispatcher };
    },
    debugLine: /^CreateSession connection: through the given undici dispatcher$/,
  },
];

const reason = hasOpenssl ? "" : " (skipped: openssl not found)";

describe.skipIf(!hasOpenssl)(`CreateSession over both HTTP paths${reason}`, () => {
  let ec: TestIdentity;
  let tlsMaterial: { certPem: string; keyPem: string };
  const open: Array<{ close(): Promise<void> }> = [];
  const tmp = mkdtempSync(join(tmpdir(), "session-paths-"));

  beforeAll(() => {
    ec = opensslIdentity("ec");
    tlsMaterial = opensslServerCert();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await Promise.all(dispatchers.splice(0).map((d) => d.close().catch(() => undefined)));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function server(replies: Reply[], tls = false): Promise<TestServer> {
    const s = await startServer(replies, tls ? tlsMaterial : undefined);
    open.push(s);
    return s;
  }

  const config = (endpoint: string, extra: Partial<SessionInit> = {}, env: NodeJS.ProcessEnv = {}) =>
    resolveSessionConfig({ ...ARNS, endpoint, ...extra }, env);

  for (const path of paths) {
    describe(path.name, () => {
      it("sends the signed request, says which path it took, and parses the answer", async () => {
        const s = await server([json(201, successBody(ARNS.roleArn))]);
        const cfg = config(s.url);
        const lines: string[] = [];
        const creds = await createSession(cfg, ec, { ...(await path.options(cfg)), clock: steppingClock(), debug: (l) => lines.push(l) });
        expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
        expect(lines.filter((l) => l.startsWith("CreateSession connection:"))).toHaveLength(1);
        expect(lines.find((l) => l.startsWith("CreateSession connection:"))).toMatch(path.debugLine);
        const req = s.requests[0]!;
        expect(req.headers["content-length"]).toBe(String(Buffer.byteLength(req.body)));
        expect(req.headers["transfer-encoding"]).toBeUndefined();
        expect(req.headers["user-agent"]).toMatch(/^rolesanywhere-signing-helper\//);
        expect(verifyRecorded(req, ec.certificate).amzDate).toBe("20240706T143004Z");
      });

      it("retries a 503 and a dropped connection, re-signing each attempt with a fresh X-Amz-Date", async () => {
        const s = await server([json(503, { message: "later" }), hangUp, json(201, successBody(ARNS.roleArn))]);
        const cfg = config(s.url);
        const creds = await createSession(cfg, ec, { ...(await path.options(cfg)), clock: steppingClock(), sleep: noSleep });
        expect(creds.accountId).toBe("210987654321");
        expect(s.requests).toHaveLength(3);
        const dates = s.requests.map((r) => verifyRecorded(r, ec.certificate).amzDate);
        expect(dates).toEqual(["20240706T143004Z", "20240706T143005Z", "20240706T143006Z"]);
      });

      it("gives up on a server that keeps dropping the connection: NETWORK, retryable", async () => {
        const s = await server([hangUp]);
        const cfg = config(s.url);
        const e = await failure(createSession(cfg, ec, { ...(await path.options(cfg)), sleep: noSleep }));
        expect(s.requests).toHaveLength(3);
        expect(e.code).toBe("NETWORK");
        expect(e.retryable).toBe(true);
        expect(e.message).toMatch(new RegExp(`^CreateSession failed: cannot connect to ${s.url}/sessions: .* \\(\\w+, 3 attempts\\)$`));
      });

      it("retries a refused connection, then fails with ECONNREFUSED", async () => {
        const port = await closedPort();
        const cfg = config(`http://127.0.0.1:${port}`);
        const e = await failure(createSession(cfg, ec, { ...(await path.options(cfg)), sleep: noSleep }));
        expect(e.code).toBe("NETWORK");
        expect(e.message).toMatch(/\(ECONNREFUSED, 3 attempts\)$/);
      });

      it("times out when no headers come, and when the body stalls, within one deadline for all attempts", async () => {
        for (const reply of [never, stallBody]) {
          const s = await server([reply]);
          const cfg = config(s.url, { timeoutMs: 200, maxAttempts: 2 });
          const e = await failure(createSession(cfg, ec, { ...(await path.options(cfg)), sleep: noSleep }));
          expect(s.requests).toHaveLength(1);
          expect(e.code).toBe("TIMEOUT");
          expect(e.message).toBe(`CreateSession failed: no answer from ${s.url}/sessions within 0.2 s (TIMEOUT)`);
        }
      });

      it("refuses a body larger than 1 MiB without retrying", async () => {
        const s = await server([hugeBody]);
        const cfg = config(s.url);
        const e = await failure(createSession(cfg, ec, { ...(await path.options(cfg)), sleep: noSleep }));
        expect(s.requests).toHaveLength(1);
        expect(e.message).toMatch(/^CreateSession failed: malformed response: response body larger than 1 MiB/);
      });

      it("over TLS: refuses an untrusted certificate without retrying, trusts AWS_CA_BUNDLE, connects with --no-verify-ssl", async () => {
        const s = await server([json(201, successBody(ARNS.roleArn))], true);
        const untrusted = config(s.url);
        const e = await failure(createSession(untrusted, ec, { ...(await path.options(untrusted)), sleep: noSleep }));
        expect(s.requests).toHaveLength(0);
        expect(e.code).toBe("NETWORK");
        expect(e.retryable).toBe(false);
        expect(e.message).toMatch(/^CreateSession failed: TLS verification of https:\/\/127\.0\.0\.1:\d+\/sessions failed: .* \(\w+\)$/);

        const bundle = join(tmp, "ca.pem");
        writeFileSync(bundle, tlsMaterial.certPem);
        const trusted = config(s.url, {}, { AWS_CA_BUNDLE: bundle });
        expect((await createSession(trusted, ec, await path.options(trusted))).accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");

        const unverified = config(s.url, { noVerifySsl: true });
        expect((await createSession(unverified, ec, await path.options(unverified))).accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
        expect(s.requests).toHaveLength(2);
      });
    });
  }

  describe("the path chosen from the environment", () => {
    it("goes direct, without undici, for a loopback endpoint even with proxies set, and says why in --debug", async () => {
      const s = await server([json(201, successBody(ARNS.roleArn))]);
      const proxy = await startProxy();
      open.push(proxy);
      const lines: string[] = [];
      await createSession(config(s.url, {}, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }), ec, { debug: (l) => lines.push(l) });
      expect(proxy.seen).toEqual([]);
      expect(lines).toContain("CreateSession connection: direct (TCP), a loopback endpoint never goes through a proxy");
    });

    it("leaves NO_PROXY to undici: an excluded host is reached directly, and --debug names the setting", async () => {
      const s = await server([json(201, successBody(ARNS.roleArn))]);
      const proxy = await startProxy();
      open.push(proxy);
      const lines: string[] = [];
      const endpoint = notLoopbackName(s.url);
      await createSession(config(endpoint, {}, { HTTP_PROXY: proxy.url, NO_PROXY: `localhost,0.0.0.0:${s.port}` }), ec, { debug: (l) => lines.push(l) });
      expect(proxy.seen).toEqual([]);
      expect(s.requests).toHaveLength(1);
      expect(lines).toContain(`CreateSession connection: through the HTTP proxy ${proxy.url} (undici), unless NO_PROXY 'localhost,0.0.0.0:${s.port}' excludes 0.0.0.0:${s.port}`);
    });

    it("goes through the proxy (undici) otherwise, hiding the proxy's password in --debug", async () => {
      const s = await server([json(201, successBody(ARNS.roleArn))]);
      const proxy = await startProxy();
      open.push(proxy);
      const withUser = proxy.url.replace("http://", "http://user:pa55word@");
      const lines: string[] = [];
      await createSession(config(notLoopbackName(s.url), {}, { HTTP_PROXY: withUser, NO_PROXY: "localhost" }), ec, { debug: (l) => lines.push(l) });
      expect(proxy.seen).toHaveLength(1);
      expect(lines).toContain(`CreateSession connection: through the HTTP proxy ${proxy.url.replace("http://", "http://[redacted]@")} (undici), unless NO_PROXY 'localhost' excludes 0.0.0.0:${s.port}`);
      expect(lines.join("\n")).not.toContain("pa55word");
    });

    it("uses the HTTP proxy for an https endpoint when no HTTPS proxy is set (CONNECT tunnel)", async () => {
      const s = await server([json(201, successBody(ARNS.roleArn))], true);
      const proxy = await startProxy();
      open.push(proxy);
      await createSession(config(notLoopbackName(s.url), { noVerifySsl: true }, { http_proxy: proxy.url }), ec);
      expect(proxy.seen).toEqual([`CONNECT 0.0.0.0:${s.port}`]);
    });
  });
});
