/**
 * The container-credentials route of `serve` (`GET /v1/credentials`), the
 * endpoint the SDKs reach through `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]` (protocol.md §6).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";
import type { CredentialSource } from "../../credentials/types.js";
import type { Secret } from "../../secret.js";
import { containerCredentialsBody } from "./credential-bodies.js";
import type { RouteHandler } from "./imds-handler.js";
import { CREDENTIALS_UNAVAILABLE, header, requestPath, sendJson, usableCredentials as usable } from "./respond.js";

/** The path of the container credentials route. @public */
export const CONTAINER_CREDENTIALS_PATH = "/v1/credentials";

/** Dependencies of {@link createContainerHandler}. @public */
export interface ContainerHandlerDeps {
  /** Where credentials come from (the refresher); `current()` must not block. */
  source: CredentialSource;
  /** The expected `Authorization` value, or a getter called per request (so a rotated token file is honoured). */
  token: Secret<string> | (() => Secret<string>);
  /** Sent back as `RoleArn`. */
  roleArn: string;
  /** Sent back as `AccountId` (12 digits). */
  accountId: string;
  /** Time source for the expiry check (default: the system clock). */
  clock?: Clock;
}

const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Compares a presented token with the expected one in constant time. Both are
 * hashed first, so neither the content nor the length of the expected token
 * leaks through timing.
 * @public
 */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/**
 * Builds the container route handler. It binds no socket: give `handle` to
 * `createServeHandler` and that to `listen`.
 * @public
 */
export function createContainerHandler(deps: ContainerHandlerDeps): RouteHandler {
  const { source, roleArn, accountId } = deps;
  const clock = deps.clock ?? systemClock;
  const expectedToken = typeof deps.token === "function" ? deps.token : () => deps.token as Secret<string>;

  return {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (requestPath(req) !== CONTAINER_CREDENTIALS_PATH) return false;
      if (req.method !== "GET") {
        sendJson(res, 405, { Code: "MethodNotAllowed", Message: "use GET on /v1/credentials" }, { Allow: "GET" });
        return true;
      }
      const presented = header(req, "authorization");
      if (presented === undefined || presented === "") {
        sendJson(res, 401, { Code: "MissingToken", Message: "the Authorization header is missing" });
        return true;
      }
      let expected: string;
      try {
        expected = expectedToken().reveal();
      } catch {
        sendJson(res, 503, { Code: "TokenUnavailable", Message: "the server's authorization token cannot be read" });
        return true;
      }
      if (!expected || !tokensMatch(presented, expected)) {
        sendJson(res, 401, { Code: "InvalidToken", Message: "the Authorization header does not match the configured token" });
        return true;
      }
      const creds = usable(source, clock);
      if (!creds) {
        sendJson(res, 503, CREDENTIALS_UNAVAILABLE, { "Retry-After": "5" });
        return true;
      }
      sendJson(res, 200, containerCredentialsBody(creds, { accountId, roleArn }));
      return true;
    },
  };
}
