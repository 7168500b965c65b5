/**
 * The direct transport (node:http / node:https, src/session/transport.ts)
 * against raw servers on loopback that answer the way node:http servers never
 * would: chunked and close-delimited bodies, interim 100 answers, answers in
 * tiny pieces, garbage, an IPv6 literal endpoint; and what it puts on the wire.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { CreateSessionError } from "../../../src/errors.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { createSession } from "../../../src/session/create-session.js";
import { directRequest } from "../../../src/session/transport.js";
import {
  ARNS,
  hasOpenssl,
  opensslIdentity,
  opensslServerCert,
  successBody,
} from "./helpers.js";

/** The 1 MiB body limit createSession passes. */
const MIB = 1 << 20;

interface RawServer {
  url: string;
  /** Every request received, as raw text (head and body). */
  requests: string[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP server that reads one request (head + Content-Length body) per connection and answers with `answer`. */
async function rawServer(answer: (socket: Socket, request: string) => void, host = "127.0.0.1"): Promise<RawServer> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    let buf = "";
    socket.on("data", (c) => {
      buf += c.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(buf)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      requests.push(buf);
      answer(socket, buf);
      buf = "";
    });
    socket.on("error", () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const text = async (body: AsyncIterable<Uint8Array>): Promise<string> => {
  let s = "";
  for await (const c of body) s += Buffer.from(c).toString("utf8");
  return s;
};

const request = (url: string, body = '{"x":1}') =>
  directRequest({
    method: "POST",
    url,
    headers: { "content-type": "application/json", "x-amz-date": "20240706T143004Z" },
    body,
    timeoutMs: 5000,
    tls: { rejectUnauthorized: true },
    maxBodyBytes: MIB,
  });

describe("direct transport against raw servers", () => {
  it("sends one well-formed request: request line, Host, Content-Length in bytes, Connection: close, the body", async () => {
    const s = await rawServer((sock) => sock.end("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"));
    const res = await request(`${s.url}/sessions?profileArn=a%3Ab`, '{"n":"é"}');
    expect(res.statusCode).toBe(201);
    expect(await text(res.body)).toBe("{}");
    const [head, body] = (s.requests[0] as string).split("\r\n\r\n");
    const [requestLine, ...headerLines] = (head as string).split("\r\n");
    expect(requestLine).toBe("POST /sessions?profileArn=a%3Ab HTTP/1.1");
    // Header names are case-insensitive (node:http writes the ones it adds capitalised).
    expect(headerLines.map((l) => l.replace(/^[^:]+/, (name) => name.toLowerCase())).sort()).toEqual(
      ["content-type: application/json", "x-amz-date: 20240706T143004Z", `host: ${new URL(s.url).host}`, "content-length: 10", "connection: close"].sort(),
    );
    expect(Buffer.from(body as string, "latin1").toString("utf8")).toBe('{"n":"é"}');
  });

  it("reads a chunked answer sent a few bytes at a time after a 100 Continue", async () => {
    const answer = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Amzn-RequestId: r-1\r\n\r\n4\r\n{"a"\r\n4\r\n:"b"\r\n1\r\n}\r\n0\r\n\r\n';
    const s = await rawServer((sock) => {
      let i = 0;
      const next = (): void => {
        if (i >= answer.length) return;
        sock.write(answer.slice(i, i + 3));
        i += 3;
        setTimeout(next, 1);
      };
      next();
    });
    const res = await request(`${s.url}/sessions`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-amzn-requestid"]).toBe("r-1");
    expect(await text(res.body)).toBe('{"a":"b"}');
  });

  it("reads an answer delimited by the end of the connection", async () => {
    const s = await rawServer((sock) => sock.end("HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy, try later"));
    const res = await request(`${s.url}/sessions`);
    expect(res.statusCode).toBe(503);
    expect(await text(res.body)).toBe("busy, try later");
  });

  it("reaches an IPv6 literal endpoint", async (ctx) => {
    let s: RawServer;
    try {
      s = await rawServer((sock) => sock.end("HTTP/1.1 204 No Content\r\n\r\n"), "::1");
    } catch {
      ctx.skip("no IPv6 loopback on this machine");
      return;
    }
    const res = await request(`${s.url}/sessions`);
    expect(res.statusCode).toBe(204);
    expect((s.requests[0] as string).toLowerCase()).toContain(`host: ${new URL(s.url).host}\r\n`);
  });

  it("rejects with the system code when nothing listens, and with ECONNRESET when the server hangs up", async () => {
    const s = await rawServer((sock) => sock.destroy());
    await expect(request(`${s.url}/sessions`)).rejects.toMatchObject({ code: "ECONNRESET" });
    await s.close();
    await expect(request(`${s.url}/sessions`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("fails with ETIMEDOUT when the whole answer is not in within timeoutMs (none, or half a body)", async () => {
    const silent = await rawServer(() => undefined);
    const started = Date.now();
    const p = directRequest({ method: "POST", url: `${silent.url}/x`, headers: {}, body: "", timeoutMs: 150, tls: { rejectUnauthorized: true }, maxBodyBytes: MIB });
    await expect(p).rejects.toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT", message: "no complete answer within 150 ms" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const half = await rawServer((sock) => sock.write("HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{\"partial"));
    await expect(
      directRequest({ method: "POST", url: `${half.url}/x`, headers: {}, body: "", timeoutMs: 150, tls: { rejectUnauthorized: true }, maxBodyBytes: MIB }),
    ).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });

  it("closes the connection at once when the server sends more after a complete answer", async () => {
    let closed: Promise<number> | undefined;
    const s = await rawServer((sock) => {
      const start = Date.now();
      closed = new Promise((r) => sock.on("close", () => r(Date.now() - start)));
      sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      const more = setInterval(() => (sock.writable ? sock.write("x".repeat(1000)) : clearInterval(more)), 20);
      sock.on("close", () => clearInterval(more));
    });
    const res = await request(`${s.url}/sessions`);
    expect(await text(res.body)).toBe("ok");
    // At once, not when the server finally closes it.
    expect(await closed).toBeLessThan(2_000);
  });

  it("closes the connection at once when the body passes the 1 MiB limit", async () => {
    let closed: Promise<void> | undefined;
    const s = await rawServer((sock) => {
      closed = new Promise((r) => sock.on("close", () => r()));
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${3 << 20}\r\n\r\n`);
      sock.write(Buffer.alloc(3 << 20, 0x61));
    });
    const res = await request(`${s.url}/sessions`);
    expect((await text(res.body)).length).toBe(MIB + 1);
    await closed;
  });

  it("refuses header injection before connecting", async () => {
    await expect(
      directRequest({ method: "POST", url: "http://127.0.0.1:9/x", headers: { "x-a": "1\r\nEvil: yes" }, body: "", timeoutMs: 1000, tls: { rejectUnauthorized: true }, maxBodyBytes: MIB }),
    ).rejects.toMatchObject({ code: "ERR_INVALID_CHAR" });
  });
});

describe.skipIf(!hasOpenssl)(`createSession over the direct transport${hasOpenssl ? "" : " (skipped: openssl not found)"}`, () => {
  it("takes credentials from a chunked answer", async () => {
    const body = JSON.stringify(successBody(ARNS.roleArn));
    const s = await rawServer((sock) => {
      const mid = body.length >> 1;
      sock.end(
        `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${mid.toString(16)}\r\n${body.slice(0, mid)}\r\n${(body.length - mid).toString(16)}\r\n${body.slice(mid)}\r\n0\r\n\r\n`,
      );
    });
    const creds = await createSession(resolveSessionConfig({ ...ARNS, endpoint: s.url }, {}), opensslIdentity("ec"));
    expect(creds.accessKeyId).toBe("ASIAEXAMPLEACCESSKEY");
  });

  it("gives up at once, in one line, on an endpoint that does not speak HTTP", async () => {
    const s = await rawServer((sock) => sock.end("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    const err = await createSession(resolveSessionConfig({ ...ARNS, endpoint: s.url }, {}), opensslIdentity("ec"), { sleep: async () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CreateSessionError);
    // node:http's parser (llhttp) names the fault; its code is HPE_*.
    expect((err as Error).message).toMatch(/^CreateSession failed: unreadable answer from http:\/\/127\.0\.0\.1:\d+\/sessions: Parse Error: .* \(HPE_[A-Z_]+\)$/);
    expect(err).toMatchObject({ hint: expect.stringMatching(/does not answer like IAM Roles Anywhere/) });
    expect((err as Error).message).not.toMatch(/\n/);
    expect(s.requests).toHaveLength(1);
  });
});

describe.skipIf(!hasOpenssl)(`direct transport over TLS: names are checked${hasOpenssl ? "" : " (skipped: openssl not found)"}`, () => {
  it("sends SNI for a host name and accepts the certificate for it; refuses it for another name (the IP), trusted or not", async () => {
    const { certPem, keyPem } = opensslServerCert("DNS:localhost", "localhost");
    const seen: Array<string | false | null> = [];
    const server = createTlsServer({ cert: certPem, key: keyPem }, (sock: TLSSocket) => {
      seen.push(sock.servername);
      sock.on("error", () => undefined);
      sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    });
    servers.push(server as unknown as Server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const tls = { rejectUnauthorized: true, ca: certPem };
    const res = await directRequest({ method: "POST", url: `https://localhost:${port}/sessions`, headers: {}, body: "{}", timeoutMs: 5000, tls, maxBodyBytes: MIB });
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual(["localhost"]);
    await expect(
      directRequest({ method: "POST", url: `https://127.0.0.1:${port}/sessions`, headers: {}, body: "{}", timeoutMs: 5000, tls, maxBodyBytes: MIB }),
    ).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    await expect(
      directRequest({ method: "POST", url: `https://localhost:${port}/sessions`, headers: {}, body: "{}", timeoutMs: 5000, tls: { rejectUnauthorized: true }, maxBodyBytes: MIB }),
    ).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    // No SNI for an IP address (it would be a deprecated use of servername): no other name ever arrived.
    expect(seen.filter((n) => n !== "localhost").every((n) => !n)).toBe(true);
  });
});
