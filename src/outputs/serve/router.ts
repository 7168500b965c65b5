/** Composes the `serve` route handlers into one `node:http` request listener. */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { ConfigError, UsageError } from "../../errors.js";
import type { RouteHandler } from "./imds-handler.js";
import { sendJson } from "./respond.js";

/**
 * `loopback`: every route answers. `remote` (a non-loopback bind): only the
 * container and health routes answer; IMDS paths get 404 like any unknown path.
 * @public
 */
export type ServeMode = "loopback" | "remote";

/** Options of {@link createServeHandler}. @public */
export interface ServeHandlerOptions {
  /** The IMDSv2 routes; ignored in `remote` mode. */
  imds?: RouteHandler;
  /** The container route; without it `/v1/credentials` answers 404. */
  container?: RouteHandler;
  health: RouteHandler;
  mode: ServeMode;
  /**
   * Host names (lowercase; IPv6 literals in brackets) a request's Host header may
   * name, the port aside; others get 403. Undefined: any Host. Against DNS
   * rebinding: a web page whose name was made to resolve to 127.0.0.1 sends its
   * own name as Host.
   */
  allowedHosts?: readonly string[];
  /** One diagnostic line (stderr). Gets the error message of a failed request, never headers or bodies. */
  log?: (line: string) => void;
}

const HEALTH_PATHS = new Set(["/healthz", "/readyz"]);

/** The host part of a Host header value, lowercase: `[::1]:9911` → `[::1]`, `Localhost:80` → `localhost`. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  return colon < 0 ? h : h.slice(0, colon);
}

/**
 * Why a request is refused before any route sees it, or undefined: a Host not
 * allowed (every route), or an Origin header on a credential route (browsers
 * send Origin on cross-origin requests; SDKs never do).
 */
function refusal(req: IncomingMessage, allowedHosts: readonly string[] | undefined): string | undefined {
  const host = req.headers.host;
  if (allowedHosts && host !== undefined && !allowedHosts.includes(hostOf(host))) {
    return `Host '${host.slice(0, 100)}' is not allowed: this server answers only ${allowedHosts.join(", ")} (add others with --allow-host)`;
  }
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.headers.origin !== undefined && !HEALTH_PATHS.has(path)) {
    return "requests from web pages (with an Origin header) are refused on the credential routes";
  }
  return undefined;
}

/**
 * Builds the request listener of `serve`. Routes are tried in order (health,
 * container, IMDS when allowed); unknown paths get a 404 JSON body. A handler
 * that throws yields a 500 JSON body and one log line with the error message.
 * @public
 */
export function createServeHandler(options: ServeHandlerOptions): RequestListener {
  if (options.mode === "remote" && !options.container) {
    throw new ConfigError("serve: remote mode without the container route: nothing but health checks would answer", {
      hint: "configure --auth-token-file or --auth-token env:NAME for a non-loopback --bind",
    });
  }
  const routes: RouteHandler[] = [options.health];
  if (options.container) routes.push(options.container);
  if (options.imds && options.mode === "loopback") routes.push(options.imds);
  const log = options.log;

  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const refused = refusal(req, options.allowedHosts);
      if (refused) {
        log?.(`serve: refused ${req.method ?? "?"} ${(req.url ?? "/").split("?")[0]!.slice(0, 100)}: ${refused}`);
        sendJson(res, 403, { Code: "Forbidden", Message: refused });
        return;
      }
      for (const route of routes) if (route.handle(req, res)) return;
      sendJson(res, 404, { Code: "NotFound", Message: "no such route" });
    } catch (err) {
      log?.(`serve: ${req.method ?? "?"} request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { Code: "InternalError", Message: "the request could not be answered" });
      else res.destroy();
    }
  };
}

/** A credential route family of `serve`. @public */
export type ServeRoute = "imds" | "container";
/** Every value of {@link ServeRoute}. @public */
export const SERVE_ROUTES: readonly ServeRoute[] = ["imds", "container"];

/**
 * Checks the routes asked for against the bind mode and the token, and returns them.
 * @throws UsageError for an unknown route, IMDS on a non-loopback bind, or the container route without a token
 * @public
 */
export function resolveServeRoutes(routes: readonly string[] | undefined, mode: ServeMode, hasToken: boolean): ServeRoute[] {
  if (routes === undefined) return mode === "loopback" ? (hasToken ? ["imds", "container"] : ["imds"]) : ["container"];
  const out: ServeRoute[] = [];
  for (const r of routes) {
    if (!(SERVE_ROUTES as readonly string[]).includes(r)) {
      throw new UsageError(`--routes: unknown route '${r.slice(0, 40)}'`, { hint: "give imds, container, or imds,container" });
    }
    if (!out.includes(r as ServeRoute)) out.push(r as ServeRoute);
  }
  if (out.length === 0) throw new UsageError("--routes: no route given", { hint: "give imds, container, or imds,container" });
  if (out.includes("imds") && mode === "remote") {
    throw new UsageError("--routes imds: the IMDS routes are never served on a non-loopback address", { hint: "use --routes container with a non-loopback --bind" });
  }
  if (out.includes("container") && !hasToken) {
    throw new UsageError("--routes container: the container route needs a token", { hint: "add --auth-token-file FILE or --auth-token env:NAME" });
  }
  return out;
}

/** The Host names a request may carry: the bind address and `localhost`, plus `extra`; undefined = no check. @public */
export function allowedHostsFor(bind: string, mode: ServeMode, extra: readonly string[] | undefined): string[] | undefined {
  if (mode === "remote" && (extra === undefined || extra.length === 0)) return undefined;
  const literal = bind.includes(":") ? `[${bind.replace(/^\[|\]$/g, "")}]` : bind;
  const names = [literal.toLowerCase(), "localhost", ...(extra ?? []).map((h) => h.trim().toLowerCase())];
  return [...new Set(names)];
}

