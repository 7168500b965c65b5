import type { Dispatcher } from "undici";
import type { ResolvedSessionConfig } from "./config.js";

// Set by scripts/build.mjs (esbuild `define`); undefined when src/ runs as is (tests).
declare const __PACKAGE_VERSION__: string | undefined;

let cachedVersion: string | undefined = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : undefined;

/** This package's version: built in, else from its package.json (two folders up in src/). */
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const { readFileSync } = process.getBuiltinModule("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
      cachedVersion = typeof pkg.version === "string" ? pkg.version : "0.0.0";
    } catch {
      cachedVersion = "0.0.0";
    }
  }
  return cachedVersion;
}

/**
 * The User-Agent of CreateSession requests:
 * `rolesanywhere-signing-helper/<version> (node/<version>; <platform>; <arch>)`. Not signed.
 * @public
 */
export function userAgent(version: string = packageVersion()): string {
  return `rolesanywhere-signing-helper/${version} (node/${process.versions.node}; ${process.platform}; ${process.arch})`;
}

/**
 * The HTTP client of CreateSession when a proxy applies to the endpoint (a direct
 * connection uses node:net / node:tls, see node-transport.ts): an undici EnvHttpProxyAgent fed the
 * proxies resolved from the environment (an http:// target goes through an HTTP
 * proxy as an absolute-form request, an https:// target through a CONNECT
 * tunnel), TLS 1.2+ verified against the default roots or AWS_CA_BUNDLE (unless
 * --no-verify-ssl), HTTP/1.1 only, connect/headers/body timeouts.
 * undici is imported here, on first use, to keep CLI start-up fast.
 * @internal
 */
export async function createDefaultDispatcher(cfg: Pick<ResolvedSessionConfig, "tls" | "proxy" | "timeoutMs">): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import("undici");
  const tls = {
    rejectUnauthorized: cfg.tls.rejectUnauthorized,
    minVersion: "TLSv1.2" as const,
    ...(cfg.tls.ca !== undefined ? { ca: cfg.tls.ca } : {}),
  };
  const options = {
    // "" (not undefined) stops undici from reading process.env itself.
    httpProxy: cfg.proxy.httpProxy.reveal(),
    httpsProxy: cfg.proxy.httpsProxy.reveal(),
    noProxy: cfg.proxy.noProxy,
    allowH2: false,
    connect: { ...tls, timeout: cfg.timeoutMs },
    requestTls: tls,
    proxyTunnel: false,
    headersTimeout: cfg.timeoutMs,
    bodyTimeout: cfg.timeoutMs,
  };
  return new EnvHttpProxyAgent(options as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
}
