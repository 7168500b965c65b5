import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RolesAnywhereError } from "../../../src/errors.js";
import { createContainerHandler } from "../../../src/outputs/serve/container-handler.js";
import { createHealthHandler } from "../../../src/outputs/serve/health.js";
import { checkBind, listen } from "../../../src/outputs/serve/listen.js";
import type { Listening } from "../../../src/outputs/serve/listen.js";
import { createServeHandler } from "../../../src/outputs/serve/router.js";
import { Secret } from "../../../src/secret.js";
import { ACCOUNT_ID, makeCredentials, raw, ROLE_ARN, staticSource } from "./support.js";

/** Whether this machine can bind ::1 (IPv6 may be disabled in containers). */
async function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "::1", port: 0 }, () => s.close(() => resolve(true)));
  });
}
const hasIpv6 = await ipv6LoopbackAvailable();

describe("listen", () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const source = staticSource(makeCredentials(Date.now() + 3600_000));
  const health = createHealthHandler({ source });

  it("listens on 127.0.0.1 with a picked port and reports the URL", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: 64 });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.hopLimitEnforced).toBe(false);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it.skipIf(!hasIpv6)(`listens on ::1 with a bracketed URL${hasIpv6 ? "" : " [skipped: ::1 cannot be bound on this machine]"}`, async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "::1", port: 0 });
    expect(server.url).toBe(`http://[::1]:${server.port}/`);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it("binds 0.0.0.0 in remote mode only with a token, then serves only container and health routes", async () => {
    expect(checkBind("0.0.0.0", true)).toBe("remote");
    const container = createContainerHandler({ source, token: new Secret("remote-token"), roleArn: ROLE_ARN, accountId: ACCOUNT_ID });
    server = await listen(createServeHandler({ container, health, mode: "remote" }), { host: "0.0.0.0", port: 0 });
    try {
      const local = `http://127.0.0.1:${server.port}/`;
      expect((await raw(local, "/v1/credentials", { headers: { Authorization: "remote-token" } })).status).toBe(200);
      expect((await raw(local, "/latest/api/token", { method: "PUT" })).status).toBe(404);
    } finally {
      await server.close();
      server = undefined;
    }
  });

  it("fails with a one-line IO error and a hint when the port is taken", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0 });
    const err = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: server.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolesAnywhereError);
    expect((err as RolesAnywhereError).code).toBe("IO");
    expect((err as RolesAnywhereError).message).toBe(`serve: cannot listen on 127.0.0.1:${server.port}: address already in use`);
    expect((err as RolesAnywhereError).hint).toMatch(/--port/);
  });

  it("close() also ends a connection stuck mid-request instead of waiting for it", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0 });
    const socket = connect({ host: "127.0.0.1", port: server.port });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const s = server.server;
    await vi.waitFor(
      () =>
        new Promise<void>((resolve, reject) =>
          s.getConnections((err, n) => (err || n !== 1 ? reject(err ?? new Error(`connections: ${n}`)) : resolve())),
        ),
    );
    await server.close();
    await closed;
    server = undefined;
  });
});
