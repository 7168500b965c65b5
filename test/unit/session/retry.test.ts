import { describe, expect, it } from "vitest";
import { backoffDelayMs, classifyNetworkError, networkErrorToException } from "../../../src/session/retry.js";

function sysError(code: string, message = `connect ${code} 127.0.0.1:9`): Error {
  return Object.assign(new Error(message), { code });
}

describe("retry", () => {
  it("uses full jitter under an exponential ceiling", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, () => 0.999999, false))).toEqual([99, 199, 399, 799]);
    expect(backoffDelayMs(1, () => 0.5, true)).toBe(250);
    expect(backoffDelayMs(3, () => 0, true)).toBe(0);
    expect(backoffDelayMs(20, () => 0.999999, true)).toBe(19_999);
  });

  it.each([
    ["ECONNREFUSED", "connection", true],
    ["ECONNRESET", "connection", true],
    ["UND_ERR_SOCKET", "connection", true],
    ["ENOTFOUND", "dns", false],
    ["EAI_AGAIN", "dns", true],
    ["SELF_SIGNED_CERT_IN_CHAIN", "tls", false],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "tls", false],
    ["UND_ERR_HEADERS_TIMEOUT", "timeout", true],
    ["UND_ERR_CONNECT_TIMEOUT", "timeout", true],
    ["EACCES", "connection", false],
    ["HPE_HEADER_OVERFLOW", "protocol", false],
    ["HPE_INVALID_CONSTANT", "protocol", false],
  ])("classifies %s as %s (retryable %s)", (code, kind, retryable) => {
    expect(classifyNetworkError(sysError(code), false)).toMatchObject({ kind, retryable });
  });

  it("finds the system code inside causes and AggregateErrors", () => {
    const inner = new AggregateError([sysError("ECONNREFUSED")], "all failed");
    const outer = Object.assign(new Error("fetch failed", { cause: inner }), { code: "UND_ERR_WHATEVER" });
    expect(classifyNetworkError(outer, false)).toMatchObject({ code: "ECONNREFUSED", retryable: true });
  });

  it("classifies the attempt's own timer as TIMEOUT whatever the error", () => {
    expect(classifyNetworkError(new Error("This operation was aborted"), true)).toEqual({
      code: "TIMEOUT",
      detail: "timed out",
      kind: "timeout",
      retryable: true,
    });
  });

  it("classifies proxy refusals and hides proxy passwords", () => {
    const f = classifyNetworkError(new Error("Proxy response (407) !== 200 when HTTP Tunneling http://u:pw@proxy"), false);
    expect(f).toMatchObject({ code: "PROXY", kind: "proxy", retryable: false });
    expect(f.detail).not.toContain("pw");
  });

  it("words a refused connection after retries on one line with a hint", () => {
    const e = networkErrorToException(classifyNetworkError(sysError("ECONNREFUSED"), false), {
      url: "http://127.0.0.1:9/sessions",
      timeoutMs: 10_000,
      attempts: 3,
    });
    expect(e.message).toBe("CreateSession failed: cannot connect to http://127.0.0.1:9/sessions: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED, 3 attempts)");
    expect(e.code).toBe("NETWORK");
    expect(e.status).toBe(0);
    expect(e.hint).toMatch(/--endpoint/);
  });

  it("words a timeout with code TIMEOUT", () => {
    const e = networkErrorToException(classifyNetworkError(new Error("x"), true), { url: "https://h/sessions", timeoutMs: 2500, attempts: 1 });
    expect(e.message).toBe("CreateSession failed: no answer from https://h/sessions within 2.5 s (TIMEOUT)");
    expect(e.code).toBe("TIMEOUT");
  });

  it("words a TLS failure with the AWS_CA_BUNDLE hint", () => {
    const e = networkErrorToException(classifyNetworkError(sysError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), false), {
      url: "https://h/sessions",
      timeoutMs: 1000,
      attempts: 1,
    });
    expect(e.message).toBe("CreateSession failed: TLS verification of https://h/sessions failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)");
    expect(e.hint).toMatch(/AWS_CA_BUNDLE/);
  });

  it("says a server that does not answer in TLS (https:// to a plain-HTTP port) is not TLS, without OpenSSL's internals", () => {
    const detail = "80FC64547D7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:";
    const e = networkErrorToException(classifyNetworkError(sysError("ERR_SSL_WRONG_VERSION_NUMBER", detail), false), {
      url: "https://127.0.0.1:9/sessions",
      timeoutMs: 1000,
      attempts: 1,
    });
    expect(e.message).toBe("CreateSession failed: TLS handshake with https://127.0.0.1:9/sessions failed: the server did not answer in TLS (ERR_SSL_WRONG_VERSION_NUMBER)");
    expect(e.hint).toMatch(/use http:\/\//);
  });

  it("recognises the same failure when it comes as EPROTO on a write", () => {
    const detail = "write EPROTO 803C0F02BD7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:";
    const f = classifyNetworkError(sysError("EPROTO", detail), false);
    expect(f).toMatchObject({ code: "ERR_SSL_WRONG_VERSION_NUMBER", kind: "tls", retryable: false });
    const e = networkErrorToException(f, { url: "https://127.0.0.1:9/sessions", timeoutMs: 1000, attempts: 1 });
    expect(e.message).toBe("CreateSession failed: TLS handshake with https://127.0.0.1:9/sessions failed: the server did not answer in TLS (ERR_SSL_WRONG_VERSION_NUMBER)");
  });

  it("shortens another OpenSSL error string to its reason", () => {
    const detail = "80FC64547D7F0000:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../deps/openssl/ssl/statem/statem_clnt.c:1889:";
    const e = networkErrorToException(classifyNetworkError(sysError("ERR_SSL_CERTIFICATE_VERIFY_FAILED", detail), false), {
      url: "https://h/sessions",
      timeoutMs: 1000,
      attempts: 1,
    });
    expect(e.message).toBe("CreateSession failed: TLS verification of https://h/sessions failed: certificate verify failed (ERR_SSL_CERTIFICATE_VERIFY_FAILED)");
  });
});
