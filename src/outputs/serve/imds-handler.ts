/**
 * IMDSv2 routes of `serve`, as in protocol.md §5.2: the session-token PUT, the
 * role name and the credentials document, all behind the token check.
 *
 * Deliberate differences from the official Go helper (documented for users in
 * the README's `serve` section):
 * - An unknown name under `…/security-credentials/` answers 404, as real IMDS
 *   does, instead of the role name.
 * - With no valid credentials the credentials route answers 503 with a JSON
 *   `{"Code":"CredentialsUnavailable","Message":…}` body, never a 200 with
 *   empty or expired credentials and `"Code":"Success"`.
 * - The token TTL header is echoed on every token response; when the request
 *   had none, the default `21600` is sent back.
 * - The remaining token lifetime header is sent with the credentials document
 *   too (the Go helper sets it after writing the body, so it is lost).
 * - `LastUpdated` is UTC in `YYYY-MM-DDTHH:MM:SSZ` form, the time this handler
 *   first served the current credentials.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";
import type { CredentialSource } from "../../credentials/types.js";
import { ConfigError } from "../../errors.js";
import { imdsCredentialsBody } from "./credential-bodies.js";
import { createTokenStore, parseTokenTtl } from "./imds-tokens.js";
import {
  CREDENTIALS_UNAVAILABLE,
  header,
  requestPath,
  sendEmpty,
  sendJson,
  sendText,
  usableCredentials,
} from "./respond.js";

/** Request and response header names of IMDSv2. @public */
export const IMDS_TOKEN_HEADER = "x-aws-ec2-metadata-token";
/** @public */
export const IMDS_TOKEN_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";

const TOKEN_PATH = "/latest/api/token";
const ROLE_PATH = "/latest/meta-data/iam/security-credentials";

/** Dependencies of {@link createImdsHandler}. @public */
export interface ImdsHandlerDeps {
  /** Where credentials come from (the refresher); `current()` must not block. */
  source: CredentialSource;
  /** The role name served (the last `/` segment of the role ARN). */
  roleName: string;
  /** Time source for token expiry and `LastUpdated` (default: the system clock). */
  clock?: Clock;
  /** Random bytes for tokens (default `crypto.randomBytes`). */
  random?: (n: number) => Buffer;
  /** Cap on live tokens (default 256); the earliest-expiring is evicted beyond it. */
  maxTokens?: number;
}

/** A route handler that reports whether it owned the request. @public */
export interface RouteHandler {
  /** Answers the request and returns true when the path is one of this handler's; returns false (and writes nothing) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** The IMDSv2 handler. @public */
export interface ImdsHandler extends RouteHandler {
  /** Live (unexpired) tokens right now. */
  tokenCount(): number;
  /** Forgets every token; later requests with old tokens get 401. */
  close(): void;
}

/**
 * Builds the IMDSv2 route handler. It binds no socket: give `handle` to
 * `createServeHandler` and that to `listen`.
 * @public
 */
export function createImdsHandler(deps: ImdsHandlerDeps): ImdsHandler {
  const { source, roleName } = deps;
  if (!roleName || roleName.includes("/")) {
    throw new ConfigError(`IMDS role name '${roleName}': invalid: it must be a non-empty name without '/'`, {
      hint: "pass the last path segment of the role ARN, e.g. 'demo' for arn:aws:iam::123456789012:role/demo",
    });
  }
  const clock = deps.clock ?? systemClock;
  const tokens = createTokenStore({
    clock,
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.maxTokens !== undefined ? { maxTokens: deps.maxTokens } : {}),
  });
  const credsPath = `${ROLE_PATH}/${roleName}`;
  // The credentials served last, when they were first served (LastUpdated) and their document,
  // serialized once per credentials rather than per request.
  let seen: { creds: object; accessKeyId: string; expiration: number; at: number; body: string } | undefined;

  const putToken = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "PUT") return sendEmpty(res, 405, { Allow: "PUT" });
    if (req.headers["x-forwarded-for"] !== undefined) {
      return sendText(res, 400, "unable to process requests with X-Forwarded-For header\n");
    }
    const ttl = parseTokenTtl(header(req, IMDS_TOKEN_TTL_HEADER));
    if (!ttl.ok) return sendText(res, 400, "invalid token TTL\n");
    const token = tokens.issue(ttl.seconds);
    sendText(res, 200, token, { [IMDS_TOKEN_TTL_HEADER]: ttl.echo });
  };

  /** Checks method and token; answers and returns undefined on failure, else the token's remaining seconds. */
  const authorize = (req: IncomingMessage, res: ServerResponse): number | undefined => {
    if (req.method !== "GET") {
      sendEmpty(res, 405, { Allow: "GET" });
      return undefined;
    }
    const token = header(req, IMDS_TOKEN_HEADER);
    if (token === undefined || token === "") {
      sendText(res, 401, "no token provided\n");
      return undefined;
    }
    const check = tokens.check(token);
    if (!check.ok) {
      sendText(res, 401, "invalid token provided\n");
      return undefined;
    }
    return check.remainingSeconds;
  };

  const getCredentials = (res: ServerResponse, remaining: number): void => {
    const creds = usableCredentials(source, clock);
    if (!creds) return sendJson(res, 503, CREDENTIALS_UNAVAILABLE, { "Retry-After": "5" });
    const expiration = creds.expiration.getTime();
    if (!seen || seen.creds !== creds || seen.accessKeyId !== creds.accessKeyId || seen.expiration !== expiration) {
      const at = seen && seen.accessKeyId === creds.accessKeyId && seen.expiration === expiration ? seen.at : clock.now();
      seen = { creds, accessKeyId: creds.accessKeyId, expiration, at, body: JSON.stringify(imdsCredentialsBody(creds, at)) + "\n" };
    }
    sendText(res, 200, seen.body, { [IMDS_TOKEN_TTL_HEADER]: String(remaining) });
  };

  return {
    handle(req, res) {
      const path = requestPath(req);
      if (path === TOKEN_PATH || path.startsWith(TOKEN_PATH + "/")) {
        putToken(req, res);
        return true;
      }
      if (path !== ROLE_PATH && !path.startsWith(ROLE_PATH + "/")) return false;
      const remaining = authorize(req, res);
      if (remaining === undefined) return true;
      if (path === ROLE_PATH || path === ROLE_PATH + "/") {
        sendText(res, 200, roleName, { [IMDS_TOKEN_TTL_HEADER]: String(remaining) });
      } else if (path === credsPath || path === credsPath + "/") {
        getCredentials(res, remaining);
      } else {
        sendText(res, 404, "not found\n");
      }
      return true;
    },
    tokenCount: () => tokens.size(),
    close: () => tokens.clear(),
  };
}
