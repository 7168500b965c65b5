/** Composes the `serve` route handlers into one `node:http` request listener. */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { ConfigError } from "../../errors.js";
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
  /** One diagnostic line (stderr). Gets the error message of a failed request, never headers or bodies. */
  log?: (line: string) => void;
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
      for (const route of routes) if (route.handle(req, res)) return;
      sendJson(res, 404, { Code: "NotFound", Message: "no such route" });
    } catch (err) {
      log?.(`serve: ${req.method ?? "?"} request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { Code: "InternalError", Message: "the request could not be answered" });
      else res.destroy();
    }
  };
}
