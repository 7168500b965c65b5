import { header, type StsRequest } from "./sts-request.js";

/** Query-string parameters that carry presigned authorization, not operation input. */
const AUTH_PARAMS = new Set([
  "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
  "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
]);

/**
 * The operation parameters of an AWS query-protocol request: those of the
 * query string (minus presigned-auth ones), then those of a form-encoded body
 * (a body parameter wins over a query one of the same name). A body is read as
 * a form when its Content-Type is `application/x-www-form-urlencoded` or absent.
 * @internal
 */
export function readQueryParams(req: StsRequest): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(req.rawQuery)) {
    if (!AUTH_PARAMS.has(k) && !params.has(k)) params.set(k, v);
  }
  const type = header(req, "content-type")?.split(";")[0]?.trim().toLowerCase();
  if (req.body.length > 0 && (type === undefined || type === "application/x-www-form-urlencoded")) {
    const seen = new Set<string>();
    for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) {
      if (seen.has(k)) continue;
      seen.add(k);
      params.set(k, v);
    }
  }
  return params;
}
