/**
 * The management API's HTTP side (REST-JSON as the service model binds it):
 * route by method and URI template, SigV4 (service `rolesanywhere`) with the
 * admin credentials, bind URI, query and body members to the input structure,
 * validate it against the model, run the operation. Pure apart from the
 * operations' state changes.
 */
import { timingSafeEqual } from "node:crypto";
import type { MintedCredentials } from "../types.js";
import type { EmulatorState } from "../state.js";
import { parseSigV4 } from "../sts/sigv4-parse.js";
import { checkRequestTime, expectedSignature } from "../sts/sigv4-verify.js";
import { sha256Hex } from "../sts/sigv4-canonical.js";
import type { StsRequest } from "../sts/sts-request.js";
import type { OperationModel, ServiceModel } from "./model-types.js";
import { SERVICE_MODEL } from "./service-model.js";
import { ApiError, OPERATIONS } from "./operations.js";
import { validateShape, validationMessage, type ConstraintViolation } from "./validate.js";

/** Access key id and secret of the emulator's administrator. @public */
export interface AdminCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the management API needs. @internal */
export interface ManagementDeps {
  state: EmulatorState;
  /** ms since epoch. */
  now: () => number;
  admin: AdminCredentials;
  clockSkewSeconds: number;
  /** Credentials CreateSession minted: recognised, but not allowed to manage. */
  minted?: (accessKeyId: string) => MintedCredentials | undefined;
}

/** One request as received. @internal */
export interface ManagementRequest {
  method: string;
  /** The wire path, still percent-encoded. */
  path: string;
  rawQuery: string;
  headers: Map<string, string[]>;
  body: Buffer;
}

/** The answer to write, plus what to audit. @internal */
export interface ManagementOutcome {
  operation: string;
  status: number;
  body: string;
  errorType?: string;
  reason?: string;
  accessKeyId?: string;
}

interface Route {
  name: string;
  op: OperationModel;
  method: string;
  re: RegExp;
  params: string[];
}

function compileRoutes(model: ServiceModel): Route[] {
  return Object.entries(model.operations).map(([name, op]) => {
    const params: string[] = [];
    const pathPart = op.http.requestUri.split("?")[0]!;
    const source = pathPart
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}+]+)\+?\}$/.exec(part);
        if (m) {
          params.push(m[1]!);
          return "([^/]+)";
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("");
    return { name, op, method: op.http.method, re: new RegExp(`^${source}$`), params };
  });
}

const ROUTES = compileRoutes(SERVICE_MODEL);

/** The number of operations the management API serves (every operation of the model). @public */
export const MANAGEMENT_OPERATIONS: readonly string[] = ROUTES.map((r) => r.name).sort();

/** True when `path` is one of the model's URI templates (whatever the method). @internal */
export function isManagementPath(path: string): boolean {
  return ROUTES.some((r) => r.re.test(path));
}

function findRoute(method: string, path: string): { route: Route; values: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.re.exec(path);
    if (m) return { route, values: m.slice(1) };
  }
  return undefined;
}

const json = (status: number, operation: string, body: unknown): ManagementOutcome => ({ operation, status, body: JSON.stringify(body) });

function errorOutcome(operation: string, e: ApiError, accessKeyId?: string): ManagementOutcome {
  const out: ManagementOutcome = { operation, status: e.status, errorType: e.type, body: JSON.stringify({ message: e.message }), reason: e.reason };
  if (accessKeyId !== undefined) out.accessKeyId = accessKeyId;
  return out;
}

/** STS-side fault codes in the names REST-JSON services answer with. */
const AUTH_TYPES: Record<string, string> = {
  MissingAuthenticationToken: "MissingAuthenticationTokenException",
  IncompleteSignature: "IncompleteSignatureException",
  SignatureDoesNotMatch: "InvalidSignatureException",
  InvalidClientTokenId: "UnrecognizedClientException",
  ExpiredToken: "ExpiredTokenException",
};

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Authenticates the caller; returns its ARN, or throws ApiError. */
function authenticate(deps: ManagementDeps, req: ManagementRequest, operation: string): { arn: string; accessKeyId: string } {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of req.headers) headers[k] = v;
  const sreq: StsRequest = { method: req.method, path: req.path === "" ? "/" : req.path, rawQuery: req.rawQuery, headers, body: req.body };
  const parsed = parseSigV4(sreq);
  const fault = (f: { status: number; code: string; message: string; reason?: string }): ApiError =>
    new ApiError(f.status, AUTH_TYPES[f.code] ?? f.code, f.message, f.reason ?? f.message);
  if (!parsed.ok) throw fault(parsed.fault);
  const { auth } = parsed;
  if (auth.service !== "rolesanywhere") {
    throw new ApiError(403, "InvalidSignatureException", "Credential should be scoped to correct service: 'rolesanywhere'.", `credential scope service is '${auth.service}'`);
  }
  if (auth.region !== deps.state.region) {
    throw new ApiError(403, "InvalidSignatureException", `Credential should be scoped to a valid region, not '${auth.region}'.`, `this endpoint's region is ${deps.state.region}`);
  }
  if (auth.terminator !== "aws4_request" || auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    throw new ApiError(403, "InvalidSignatureException", "Credential scope must be <date>/<region>/rolesanywhere/aws4_request with the date of X-Amz-Date.");
  }
  const timeFault = checkRequestTime(auth, deps.now(), deps.clockSkewSeconds);
  if (timeFault) throw fault(timeFault);
  let secret: string;
  let arn: string;
  let minted: MintedCredentials | undefined;
  if (same(auth.accessKeyId, deps.admin.accessKeyId)) {
    secret = deps.admin.secretAccessKey;
    arn = `arn:${deps.state.partition}:iam::${deps.state.accountId}:user/emulator-admin`;
  } else if ((minted = deps.minted?.(auth.accessKeyId)) !== undefined && auth.securityToken !== undefined && same(auth.securityToken, minted.sessionToken)) {
    secret = minted.secretAccessKey;
    arn = minted.assumedRoleArn;
  } else {
    throw new ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.", "access key is neither the admin's nor minted here");
  }
  const hash = sha256Hex(req.body);
  if (!same(expectedSignature(sreq, auth, secret, hash), auth.signature)) {
    throw new ApiError(
      403,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      "signature does not match",
    );
  }
  if (minted) {
    throw new ApiError(403, "AccessDeniedException", `User: ${arn} is not authorized to perform: rolesanywhere:${operation}`, "session credentials cannot manage the emulator (only the admin credentials can)");
  }
  return { arn, accessKeyId: auth.accessKeyId };
}

function bindInput(model: ServiceModel, op: OperationModel, values: string[], routeParams: string[], req: ManagementRequest): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const shape = op.input ? model.shapes[op.input.shape] : undefined;
  if (!shape) return input;
  let body: Record<string, unknown> = {};
  const text = req.body.toString("utf8");
  if (text.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, "ValidationException", "Request body is not valid JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ApiError(400, "ValidationException", "Request body must be a JSON object.");
    body = parsed as Record<string, unknown>;
  }
  let query: URLSearchParams | undefined;
  for (const [name, member] of Object.entries(shape.members ?? {})) {
    const wire = member.locationName ?? name;
    if (member.location === "uri") {
      const i = routeParams.indexOf(wire);
      if (i < 0) continue;
      try {
        input[name] = decodeURIComponent(values[i]!);
      } catch {
        throw new ApiError(400, "ValidationException", `Malformed percent-encoding in the URI member ${name}.`);
      }
    } else if (member.location === "querystring") {
      query ??= new URLSearchParams(req.rawQuery);
      const all = query.getAll(wire);
      if (all.length === 0) continue;
      const type = model.shapes[member.shape]?.type;
      if (type === "list") input[name] = all;
      else if (type === "integer" || type === "long") input[name] = /^-?\d{1,15}$/.test(all[0]!) ? Number(all[0]) : all[0];
      else if (type === "boolean") input[name] = all[0] === "true" ? true : all[0] === "false" ? false : all[0];
      else input[name] = all[0];
    } else if (member.location === undefined && body[name] !== undefined) {
      input[name] = body[name];
    }
  }
  return input;
}

/**
 * Answers one management request: `undefined` when no operation has this
 * method and path (the caller answers 404).
 * @internal
 */
export function handleManagement(deps: ManagementDeps, req: ManagementRequest): ManagementOutcome | undefined {
  const found = findRoute(req.method, req.path);
  if (!found) return undefined;
  const { route, values } = found;
  let accessKeyId: string | undefined;
  try {
    const caller = authenticate(deps, req, route.name);
    accessKeyId = caller.accessKeyId;
    const input = bindInput(SERVICE_MODEL, route.op, values, route.params, req);
    const violations: ConstraintViolation[] = [];
    if (route.op.input) validateShape(SERVICE_MODEL, route.op.input.shape, input, "", violations);
    if (violations.length > 0) throw new ApiError(400, "ValidationException", validationMessage(violations));
    const handler = OPERATIONS[route.name];
    if (!handler) throw new ApiError(501, "NotImplementedException", `${route.name} is not implemented by the emulator.`);
    const output = handler(input, { state: deps.state, now: deps.now(), callerArn: caller.arn });
    const out = json(route.op.http.responseCode ?? 200, route.name, output);
    out.accessKeyId = caller.accessKeyId;
    return out;
  } catch (err) {
    if (err instanceof ApiError) return errorOutcome(route.name, err, accessKeyId);
    throw err;
  }
}
