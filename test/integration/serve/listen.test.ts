import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RolesAnywhereError } from "../../../src/errors.js";
import { createContainerHandler } from "../../../src/outputs/serve/container-handler.js";
import { createHealthHandler } from "../../../src/outputs/serve/health.js";
import { canEnforceHopLimit, checkBind, hopLimitNotice, listen } from "../../../src/outputs/serve/listen.js";
import { loadHopLimitAddon, NO_NATIVE_ENV } from "../../../src/outputs/serve/native-hop-limit.js";
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
const ipv6Skip = hasIpv6 ? "" : " [skipped: ::1 cannot be bound on this machine]";

/** The hop-limit addon, when `node scripts/build.mjs` could build it (Linux with a C compiler). */
const addon = loadHopLimitAddon({});
const addonSkip = addon ? "" : " [skipped: dist/native/hoplimit.node not built; run node scripts/build.mjs on Linux with cc]";

/**
 * The file descriptor behind a server or socket. Test-only use of Node's
 * private `_handle.fd`, to read the real socket option with the addon.
 */
function fdOf(x: unknown): number {
  const fd = (x as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("no file descriptor on this handle");
  return fd;
}

/** Connects to `host:port` and resolves with the socket the server accepted (its `connection` event). */
async function acceptedSocket(l: Listening, host: string): Promise<{ accepted: Socket; client: Socket }> {
  const accepted = new Promise<Socket>((resolve) => l.server.once("connection", (s: Socket) => resolve(s)));
  const client = connect({ host, port: l.port });
  client.on("error", () => undefined);
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  return { accepted: await accepted, client };
}

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
    expect(server.hopLimitEnforced).toBe(addon !== undefined);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it.skipIf(!hasIpv6)(`listens on ::1 with a bracketed URL${ipv6Skip}`, async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "::1", port: 0 });
    expect(server.url).toBe(`http://[::1]:${server.port}/`);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it.skipIf(!hasIpv6)(`listens on [::1] with the hop limit too${ipv6Skip}`, async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "[::1]", port: 0, hopLimit: 3 });
    expect(server.url).toBe(`http://[::1]:${server.port}/`);
    expect(server.hopLimitEnforced).toBe(addon !== undefined);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it("listens on localhost (resolved as Node.js would) with the hop limit", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "localhost", port: 0, hopLimit: 1 });
    expect(["127.0.0.1", "::1"]).toContain(server.host);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it("binds 0.0.0.0 in remote mode only with a token, then serves only container and health routes", async () => {
    expect(checkBind("0.0.0.0", true)).toBe("remote");
    const container = createContainerHandler({ source, token: new Secret("remote-token"), roleArn: ROLE_ARN, accountId: ACCOUNT_ID });
    server = await listen(createServeHandler({ container, health, mode: "remote" }), { host: "0.0.0.0", port: 0, hopLimit: 1 });
    try {
      const local = `http://127.0.0.1:${server.port}/`;
      expect((await raw(local, "/v1/credentials", { headers: { Authorization: "remote-token" } })).status).toBe(200);
      expect((await raw(local, "/latest/api/token", { method: "PUT" })).status).toBe(404);
    } finally {
      await server.close();
      server = undefined;
    }
  });

  it("fails with a one-line IO error and a hint when the port is taken by a plain Node.js server", async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen({ host: "127.0.0.1", port: 0 }, () => resolve()));
    const port = (other.address() as { port: number }).port;
    try {
      const err = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port, hopLimit: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RolesAnywhereError);
      expect((err as RolesAnywhereError).message).toBe(`serve: cannot listen on 127.0.0.1:${port}: address already in use`);
      expect((err as RolesAnywhereError).hint).toMatch(/--port/);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it("fails with a one-line IO error and a hint when the port is taken", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: 1 });
    const err = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: server.port, hopLimit: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolesAnywhereError);
    expect((err as RolesAnywhereError).code).toBe("IO");
    expect((err as RolesAnywhereError).message).toBe(`serve: cannot listen on 127.0.0.1:${server.port}: address already in use`);
    expect((err as RolesAnywhereError).hint).toMatch(/--port/);
  });

  it("close() also ends a connection stuck mid-request instead of waiting for it", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: 1 });
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

describe("the hop limit on sockets (native addon)", () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    vi.unstubAllEnvs();
  });
  const health = createHealthHandler({ source: staticSource(makeCredentials(Date.now() + 3600_000)) });

  it.skipIf(!addon).each([1, 64, 200])(`an accepted IPv4 socket inherits the listener's TTL (addon self-test, hop limit %d)${addonSkip}`, (hops) => {
    expect(addon!.selfTest("127.0.0.1", hops)).toEqual({ listener: hops, accepted: hops });
  });

  it.skipIf(!addon || !hasIpv6).each([1, 64])(`an accepted IPv6 socket inherits the listener's hop limit (addon self-test, %d)${addonSkip || ipv6Skip}`, (hops) => {
    expect(addon!.selfTest("::1", hops)).toEqual({ listener: hops, accepted: hops });
  });

  it.skipIf(!addon || !hasIpv6)(`an IPv6 socket on an IPv4-mapped address gets the IPv4 TTL (addon self-test)${addonSkip || ipv6Skip}`, () => {
    expect(addon!.selfTest("::ffff:127.0.0.1", 7)).toEqual({ listener: 7, accepted: 7 });
  });

  it.skipIf(!addon).each([1, 64])(`listen() sets the TTL on the socket Node.js accepts (%d)${addonSkip}`, async (hops) => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: hops });
    expect(server.hopLimitEnforced).toBe(true);
    expect(canEnforceHopLimit()).toBe(true);
    expect(hopLimitNotice(hops)).toBeUndefined();
    expect(addon!.getHopLimit(fdOf(server.server))).toBe(hops);
    const { accepted, client } = await acceptedSocket(server, "127.0.0.1");
    expect(addon!.getHopLimit(fdOf(accepted))).toBe(hops);
    client.destroy();
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it.skipIf(!addon || !hasIpv6)(`listen() sets the hop limit on the IPv6 socket Node.js accepts${addonSkip || ipv6Skip}`, async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "::1", port: 0, hopLimit: 1 });
    const { accepted, client } = await acceptedSocket(server, "::1");
    expect(addon!.getHopLimit(fdOf(accepted))).toBe(1);
    client.destroy();
  });

  it.skipIf(!addon || !hasIpv6)(`on a dual-stack :: listener, an IPv4 client's connection gets the TTL too${addonSkip || ipv6Skip}`, async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "::", port: 0, hopLimit: 1 });
    const { accepted, client } = await acceptedSocket(server, "127.0.0.1");
    expect(accepted.remoteAddress).toBe("::ffff:127.0.0.1");
    expect(addon!.getHopLimit(fdOf(accepted))).toBe(1);
    client.destroy();
  });

  it.skipIf(!addon)(`falls back to plain Node.js with ${NO_NATIVE_ENV}=1: serves, hop limit not enforced, OS default TTL${addonSkip}`, async () => {
    vi.stubEnv(NO_NATIVE_ENV, "1");
    expect(canEnforceHopLimit()).toBe(false);
    expect(hopLimitNotice(1)).toMatch(/--hop-limit 1 is accepted but not enforced/);
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: 1 });
    expect(server.hopLimitEnforced).toBe(false);
    const osDefault = Number(readFileSync("/proc/sys/net/ipv4/ip_default_ttl", "utf8").trim());
    const { accepted, client } = await acceptedSocket(server, "127.0.0.1");
    expect(addon!.getHopLimit(fdOf(accepted))).toBe(osDefault);
    client.destroy();
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it("falls back to plain Node.js with native: false", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0, hopLimit: 1, native: false });
    expect(server.hopLimitEnforced).toBe(false);
    expect((await raw(server.url, "/healthz")).status).toBe(200);
  });

  it("does not use the addon when no hop limit is given", async () => {
    server = await listen(createServeHandler({ health, mode: "loopback" }), { host: "127.0.0.1", port: 0 });
    expect(server.hopLimitEnforced).toBe(false);
  });
});
