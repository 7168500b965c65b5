import type { ServerResponse } from "node:http";

/** Writes a restJson1 response: JSON body, `x-amzn-RequestId`, and `x-amzn-ErrorType` on errors. @internal */
export function writeJson(res: ServerResponse, status: number, requestId: string, body: string, errorType?: string): void {
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-amzn-RequestId": requestId,
  };
  if (errorType) headers["x-amzn-ErrorType"] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}

/** Writes a restJson1 error `{"message":…}`. @internal */
export function writeJsonError(res: ServerResponse, status: number, requestId: string, errorType: string, message: string): void {
  writeJson(res, status, requestId, JSON.stringify({ message }), errorType);
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

/** STS's XML error body (awsQuery): `ErrorResponse › Error › Type, Code, Message`, then `RequestId`. @internal */
export function stsErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
    `  <Error>\n    <Type>Sender</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${xmlEscape(requestId)}</RequestId>\n</ErrorResponse>\n`
  );
}

/** Writes an STS-style XML error. @internal */
export function writeXmlError(res: ServerResponse, status: number, requestId: string, code: string, message: string): void {
  const body = stsErrorXml(code, message, requestId);
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(body),
    "x-amzn-RequestId": requestId,
  });
  res.end(body);
}
