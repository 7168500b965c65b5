/** The health routes of `serve`: `/healthz` (process alive) and `/readyz` (valid credentials held). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";
import type { CredentialSource } from "../../credentials/types.js";
import { formatAwsTimestamp } from "./credential-bodies.js";
import type { RouteHandler } from "./imds-handler.js";
import { CREDENTIALS_UNAVAILABLE, requestPath, sendJson, usableCredentials } from "./respond.js";

/** Dependencies of {@link createHealthHandler}. @public */
export interface HealthHandlerDeps {
  source: CredentialSource;
  clock?: Clock;
}

/**
 * Builds the health handler: `GET /healthz` answers 200 `{"status":"ok"}` while
 * the process runs; `GET /readyz` answers 200 `{"status":"ready","expiration":…}`
 * while valid credentials are held, else 503 with a `{"Code","Message"}` body.
 * HEAD works on both; other methods get 405.
 * @public
 */
export function createHealthHandler(deps: HealthHandlerDeps): RouteHandler {
  const clock = deps.clock ?? systemClock;
  return {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const path = requestPath(req);
      if (path !== "/healthz" && path !== "/readyz") return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { Code: "MethodNotAllowed", Message: `use GET on ${path}` }, { Allow: "GET, HEAD" });
        return true;
      }
      if (path === "/healthz") {
        sendJson(res, 200, { status: "ok" });
        return true;
      }
      const creds = usableCredentials(deps.source, clock);
      if (!creds) sendJson(res, 503, { status: "unavailable", ...CREDENTIALS_UNAVAILABLE });
      else sendJson(res, 200, { status: "ready", expiration: formatAwsTimestamp(creds.expiration) });
      return true;
    },
  };
}
