import { describe, expect, it } from "vitest";
import { encodeRequestHead, Http1ParseError, type Http1Response, Http1ResponseParser } from "../../../src/session/http1.js";

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

/** Feeds `raw` cut at the given offsets; returns the response, calling end() when the last piece did not finish it. */
function parseCut(raw: Buffer, cuts: number[], opts = {}): Http1Response {
  const p = new Http1ResponseParser(opts);
  let at = 0;
  for (const cut of [...cuts, raw.length]) {
    const r = p.push(raw.subarray(at, cut));
    at = cut;
    if (r) return r;
  }
  return p.end();
}

/** The response of `raw` fed whole, byte by byte, and cut in two at every offset: all must agree. */
function parseEveryWay(raw: Buffer, opts = {}): Http1Response {
  const whole = parseCut(raw, [], opts);
  expect(parseCut(raw, Array.from({ length: raw.length }, (_, i) => i), opts)).toEqual(whole);
  for (let i = 1; i < raw.length; i++) expect(parseCut(raw, [i], opts)).toEqual(whole);
  return whole;
}

function parseError(raw: string, opts = {}): unknown {
  try {
    parseCut(bytes(raw), [], opts);
  } catch (err) {
    return err;
  }
  throw new Error("expected a parse error");
}

describe("HTTP/1.1 request head", () => {
  it("writes the request line, the headers as given and the blank line", () => {
    expect(encodeRequestHead("POST", "/sessions?a=1", { host: "h:1", "content-length": "2" })).toBe(
      "POST /sessions?a=1 HTTP/1.1\r\nhost: h:1\r\ncontent-length: 2\r\n\r\n",
    );
  });

  it("takes Latin-1 values as node:http does, refuses what a Latin-1 head cannot carry", () => {
    expect(encodeRequestHead("GET", "/", { "x-a": "caf\u00e9\tok" })).toContain("x-a: caf\u00e9\tok\r\n");
    expect(() => encodeRequestHead("GET", "/", { "x-a": "10 \u20ac" })).toThrow(/invalid value for HTTP header x-a/);
  });

  it("refuses header injection: CR, LF or NUL in a value, and bad header names", () => {
    expect(() => encodeRequestHead("GET", "/", { a: "x\r\nEvil: 1" })).toThrow(/invalid value for HTTP header a/);
    expect(() => encodeRequestHead("GET", "/", { a: "x\n" })).toThrow(TypeError);
    expect(() => encodeRequestHead("GET", "/", { "a b": "x" })).toThrow(/invalid HTTP header name/);
    expect(() => encodeRequestHead("GET", "/", { "": "x" })).toThrow(/invalid HTTP header name/);
  });
});

describe("HTTP/1.1 response parser", () => {
  it("reads a Content-Length body however the bytes arrive, ignoring what follows it", () => {
    const r = parseEveryWay(bytes('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"b c"}GARBAGE'));
    expect(r).toEqual({ statusCode: 201, headers: { "content-type": "application/json", "content-length": "11" }, body: bytes('{"a":"b c"}'), truncated: false });
  });

  it("decodes chunked bodies with extensions and trailers, split anywhere", () => {
    const raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nB\r\n, world and\r\n1 \r\n!\r\n0\r\nX-Trailer: t\r\n\r\n";
    const r = parseEveryWay(bytes(raw));
    expect(r.statusCode).toBe(200);
    expect(r.body.toString()).toBe("hello, world and!");
    expect(r.truncated).toBe(false);
  });

  it("reads a body delimited by the end of the connection", () => {
    const r = parseEveryWay(bytes("HTTP/1.0 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nboom, closed"));
    expect(r).toMatchObject({ statusCode: 500, body: bytes("boom, closed") });
    // With no body at all.
    expect(parseCut(bytes("HTTP/1.1 503 Slow Down\r\n\r\n"), [])).toMatchObject({ statusCode: 503, body: Buffer.alloc(0) });
  });

  it("skips 1xx answers, and reads 204 and 304 as bodiless", () => {
    const r = parseEveryWay(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    expect(r).toMatchObject({ statusCode: 200, headers: { "content-length": "2" }, body: bytes("ok") });
    const p = new Http1ResponseParser();
    expect(p.push(bytes("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"))).toMatchObject({ statusCode: 204, body: Buffer.alloc(0) });
  });

  it("lower-cases header names, trims values, joins repeated headers and keeps set-cookie as a list", () => {
    const r = parseCut(bytes("HTTP/1.1 200 OK\r\nX-Amzn-RequestId:  abc \t\r\nVary: a\r\nvary: b\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2\r\nContent-Length: 0\r\n\r\n"), []);
    expect(r.headers).toEqual({ "x-amzn-requestid": "abc", vary: "a, b", "set-cookie": ["s=1", "t=2"], "content-length": "0" });
  });

  it("keeps headers named like Object's own properties (__proto__, constructor) as plain headers", () => {
    const r = parseCut(bytes("HTTP/1.1 200 OK\r\n__proto__: x\r\nConstructor: y\r\nContent-Length: 0\r\n\r\n"), []);
    expect(Object.hasOwn(r.headers, "__proto__")).toBe(true);
    expect(r.headers["__proto__"]).toBe("x");
    expect(r.headers.constructor).toBe("y");
  });

  it("reads chunk sizes with leading zeros", () => {
    expect(parseEveryWay(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000000003\r\nabc\r\n00\r\n\r\n")).body).toEqual(bytes("abc"));
  });

  it("accepts a head of exactly the limit however it arrives, and refuses one byte more", () => {
    const at = (size: number) => {
      const start = "HTTP/1.1 200 OK\r\nX-Pad: ";
      // The size counted is the status line and headers, without the line breaks that end the head.
      return `${start}${"p".repeat(size - start.length)}\r\n\r\n`;
    };
    const ok = bytes(at(1024));
    expect(parseCut(ok, [], { maxHeadBytes: 1024 }).statusCode).toBe(200);
    for (let cut = ok.length - 4; cut < ok.length; cut++) expect(parseCut(ok, [cut], { maxHeadBytes: 1024 }).statusCode).toBe(200);
    const tooBig = bytes(at(1025));
    expect(() => parseCut(tooBig, [], { maxHeadBytes: 1024 })).toThrow(expect.objectContaining({ code: "ERR_HTTP1_HEADERS_TOO_LARGE" }));
    for (let cut = tooBig.length - 4; cut < tooBig.length; cut++) {
      expect(() => parseCut(tooBig, [cut], { maxHeadBytes: 1024 })).toThrow(expect.objectContaining({ code: "ERR_HTTP1_HEADERS_TOO_LARGE" }));
    }
  });

  it("accepts bare LF line ends", () => {
    const r = parseEveryWay(bytes("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc"));
    expect(r).toMatchObject({ statusCode: 200, body: bytes("abc") });
  });

  it("accepts a repeated Content-Length with one value, refuses conflicting or bad ones", () => {
    expect(parseCut(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"), []).body).toEqual(bytes("ok"));
    expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")).toMatchObject({ code: "ERR_HTTP1_MALFORMED", message: expect.stringMatching(/bad Content-Length/) });
    expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")).toBeInstanceOf(Http1ParseError);
    expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n")).toBeInstanceOf(Http1ParseError);
  });

  it.each([
    ["not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n\r\n", /not an HTTP\/1.x status line/],
    ["HTTP/2 status line", "HTTP/2 200\r\n\r\n", /not an HTTP\/1.x status line/],
    ["status out of range", "HTTP/1.1 99 Low\r\n\r\n", /not an HTTP\/1.x status line/],
    ["header without colon", "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", /bad header line/],
    ["folded header", "HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n", /bad header line/],
    ["bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /bad chunk size line/],
    ["chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", /chunk data longer than its size/],
    ["101 upgrade", "HTTP/1.1 101 Switching Protocols\r\n\r\n", /101/],
  ])("refuses %s with a one-line error", (_name, raw, message) => {
    const err = parseError(raw);
    expect(err).toBeInstanceOf(Http1ParseError);
    expect(err).toMatchObject({ code: "ERR_HTTP1_MALFORMED", message: expect.stringMatching(message) });
    expect((err as Error).message).not.toMatch(/\n/);
  });

  it("refuses a head larger than the limit without waiting for its end", () => {
    const p = new Http1ResponseParser({ maxHeadBytes: 1024 });
    p.push(bytes("HTTP/1.1 200 OK\r\n"));
    expect(() => p.push(bytes(`X-Big: ${"a".repeat(2000)}`))).toThrow(expect.objectContaining({ code: "ERR_HTTP1_HEADERS_TOO_LARGE" }));
    expect(parseError(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`, { maxHeadBytes: 1024 })).toMatchObject({ code: "ERR_HTTP1_HEADERS_TOO_LARGE" });
  });

  it("says the connection was reset when it closes before the answer or mid-body", () => {
    expect(parseError("")).toMatchObject({ code: "ECONNRESET", message: "socket hang up" });
    expect(parseError("HTTP/1.1 200 OK\r\nContent-Le")).toMatchObject({ code: "ECONNRESET" });
    expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")).toMatchObject({ code: "ECONNRESET", message: expect.stringMatching(/before the end of the response body/) });
    expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")).toMatchObject({ code: "ECONNRESET" });
  });

  it.each([
    ["Content-Length", (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
    ["chunked", (body: string) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`],
    ["close-delimited", (body: string) => `HTTP/1.1 200 OK\r\n\r\n${body}`],
  ])("stops keeping a %s body one byte past the limit and says so", (_name, make) => {
    const p = new Http1ResponseParser({ maxBodyBytes: 10 });
    const r = p.push(bytes(make("x".repeat(50))));
    expect(r).toMatchObject({ truncated: true });
    expect(r?.body.length).toBe(11);
    // A body exactly at the limit is whole.
    expect(parseCut(bytes(make("y".repeat(10))), [], { maxBodyBytes: 10 })).toMatchObject({ truncated: false, body: bytes("y".repeat(10)) });
  });
});
