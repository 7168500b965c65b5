import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock.js";
import type { CredentialStore } from "../credential-store.js";
import type { AuditEntry, EmulatorRole } from "../types.js";
import { toStsRequest } from "./sts-request.js";
import { readQueryParams } from "./query-params.js";
import { authenticate } from "./authenticate.js";
import { assumeRole, assumeRoleResult } from "./assume-role.js";
import { assumeRoleWithSaml } from "../saml/assume-role-with-saml.js";
import type { ResolvedSaml } from "../saml/config.js";
import { getCallerIdentityResult } from "./get-caller-identity.js";
import { fault, type StsFault } from "./sts-fault.js";
import { stsError, stsResult, type XmlNode } from "./xml.js";

/** The only STS API version the emulator speaks. @internal */
export const STS_VERSION = "2011-06-15";

/** What the STS handler needs from the emulator. @public */
export interface StsHandlerDeps {
  /** Where credentials were minted (CreateSession) and are looked up. */
  store: CredentialStore;
  clock: Clock;
  /** The emulator's region: requests must be scoped to it, as a regional STS endpoint requires. */
  region: string;
  /** The roles AssumeRole may target; undefined → AccessDenied. */
  roles: (arn: string) => EmulatorRole | undefined;
  /** Called exactly once per request. */
  audit: (entry: AuditEntry) => void;
  /** Allowed distance between X-Amz-Date and the clock, default 300 seconds. */
  maxClockSkewSeconds?: number;
  /** SAML providers for AssumeRoleWithSAML (read per request); absent → every provider is unknown. */
  saml?: () => ResolvedSaml | undefined;
  /** The emulator's account (NameQualifier of AssumeRoleWithSAML). */
  accountId?: string;
}

type Operation = AuditEntry["operation"];
type Answer = { status: number; body: string; entry: Partial<AuditEntry> };

function operationOf(action: string | undefined): Operation {
  return action === "GetCallerIdentity" || action === "AssumeRole" || action === "AssumeRoleWithSAML" ? action : "Unknown";
}

function failure(f: StsFault, requestId: string, entry: Partial<AuditEntry>): Answer {
  return {
    status: f.status,
    body: stsError(f.code, f.message, requestId, f.status >= 500 ? "Receiver" : "Sender"),
    entry: { ...entry, outcome: "failure", errorCode: f.code, reason: f.reason ?? f.message },
  };
}

function success(action: string, result: XmlNode, requestId: string, entry: Partial<AuditEntry>): Answer {
  return { status: 200, body: stsResult(action, result, requestId), entry: { ...entry, outcome: "success" } };
}

/**
 * Creates the emulator's STS endpoint: the AWS query protocol (form-encoded
 * POST, or GET/POST with parameters and presigned SigV4 in the query string),
 * Version 2011-06-15, actions GetCallerIdentity and AssumeRole. Every request
 * must be signed (SigV4, HMAC-SHA256, service `sts`) with credentials the
 * store minted, with their session token, before they expire. Answers are
 * STS's XML; each request produces one audit entry, which never holds a
 * secret key or session token.
 *
 * The returned function takes a request whose body the caller already read.
 * @public
 */
export function createStsHandler(deps: StsHandlerDeps): (req: IncomingMessage, res: ServerResponse, body: Buffer) => void {
  return (req, res, body) => {
    const requestId = randomUUID();
    const now = deps.clock.now();
    let answer: Answer;
    try {
      answer = answerRequest(req, body, requestId, now, deps);
    } catch (err) {
      const reason = "internal error: " + (err instanceof Error ? err.message : String(err));
      answer = failure(fault(500, "InternalFailure", "The request processing has failed because of an unknown error.", reason),
        requestId, { operation: "Unknown" });
    }
    // Audit first: a client that reads the audit log right after the answer must find the line.
    deps.audit({
      time: new Date(now).toISOString(),
      operation: answer.entry.operation ?? "Unknown",
      outcome: answer.entry.outcome ?? "failure",
      status: answer.status,
      requestId,
      ...pick(answer.entry),
    });
    const payload = Buffer.from(answer.body, "utf8");
    res.writeHead(answer.status, {
      "Content-Type": "text/xml",
      "Content-Length": payload.length,
      "x-amzn-RequestId": requestId,
      Date: new Date(now).toUTCString(),
    });
    res.end(payload);
  };
}

function pick(e: Partial<AuditEntry>): Partial<AuditEntry> {
  const out: Partial<AuditEntry> = {};
  if (e.errorCode !== undefined) out.errorCode = e.errorCode;
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.accessKeyId !== undefined) out.accessKeyId = e.accessKeyId;
  if (e.roleArn !== undefined) out.roleArn = e.roleArn;
  if (e.sourceIdentity !== undefined) out.sourceIdentity = e.sourceIdentity;
  for (const k of ["principal", "externalIdMatch", "sessionTags", "transitiveTagKeys", "policySize", "packedPolicySize", "policyArnCount"] as const) {
    if (e[k] !== undefined) (out as Record<string, unknown>)[k] = e[k];
  }
  return out;
}

function answerRequest(req: IncomingMessage, body: Buffer, requestId: string, now: number, deps: StsHandlerDeps): Answer {
  const request = toStsRequest(req, body);
  const params = readQueryParams(request);
  const action = params.get("Action");
  const entry: Partial<AuditEntry> = { operation: operationOf(action) };

  if (request.method !== "POST" && request.method !== "GET") {
    return failure(fault(405, "MethodNotAllowed", `The HTTP method ${request.method} is not allowed; use POST or GET.`), requestId, entry);
  }
  if (action === "AssumeRoleWithSAML" && params.get("Version") === STS_VERSION) {
    // Unsigned, as in STS: the signed SAML response is the authentication.
    const outcome = assumeRoleWithSaml(params, {
      saml: deps.saml?.(), roles: deps.roles, mint: (r) => deps.store.mint(r), now,
      accountId: deps.accountId ?? "", ...(deps.maxClockSkewSeconds !== undefined ? { skewSeconds: deps.maxClockSkewSeconds } : {}),
    });
    Object.assign(entry, outcome.audit);
    if (!outcome.ok) return failure(outcome.fault, requestId, entry);
    return success(action, outcome.result, requestId, entry);
  }
  const authResult = authenticate(request, { lookup: (k) => deps.store.get(k), now, maxSkewSeconds: deps.maxClockSkewSeconds, region: deps.region });
  if (!authResult.ok) {
    if (authResult.accessKeyId !== undefined) entry.accessKeyId = authResult.accessKeyId;
    return failure(authResult.fault, requestId, entry);
  }
  const { caller } = authResult;
  entry.accessKeyId = caller.accessKeyId;
  if (caller.sourceIdentity !== undefined) entry.sourceIdentity = caller.sourceIdentity;

  const version = params.get("Version");
  if (action === undefined || version !== STS_VERSION || entry.operation === "Unknown") {
    const message = action === undefined
      ? "Request is missing the Action parameter"
      : `Could not find operation ${action} for version ${version ?? "NO_VERSION_SPECIFIED"}`;
    return failure(fault(400, "InvalidAction", message), requestId, entry);
  }

  if (action === "GetCallerIdentity") {
    entry.roleArn = caller.roleArn;
    return success(action, getCallerIdentityResult(caller), requestId, entry);
  }
  const roleArn = params.get("RoleArn");
  if (roleArn !== undefined) entry.roleArn = roleArn;
  const outcome = assumeRole(params, caller, { roles: deps.roles, mint: (r) => deps.store.mint(r), now });
  Object.assign(entry, outcome.audit ?? {});
  if (!outcome.ok) return failure(outcome.fault, requestId, entry);
  if (outcome.credentials.sourceIdentity !== undefined) entry.sourceIdentity = outcome.credentials.sourceIdentity;
  return success(action, assumeRoleResult(outcome.credentials, outcome.packedPolicySize), requestId, entry);
}
