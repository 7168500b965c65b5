/**
 * HTTP/1.1 on the wire, for one request per connection: the request head, and
 * an incremental response parser (status line, headers, and a body framed by
 * Content-Length, chunked transfer coding or the end of the connection).
 * Pure: no sockets, no clock (node-transport.ts does the I/O).
 *
 * Why not node:http: loading it and setting up its agent and parser costs a
 * `credential-process` run several milliseconds, a fifth of its start-up budget,
 * for one POST and one answer. The parser is strict where a mistake would
 * misread an answer (bad status line, conflicting lengths, bad chunk sizes) and
 * never buffers more than its limits.
 */

/** A malformed or oversized answer. `code` says which (retry.ts treats it as a non-retryable "protocol" failure). @internal */
export class Http1ParseError extends Error {
  constructor(
    message: string,
    readonly code: "ERR_HTTP1_MALFORMED" | "ERR_HTTP1_HEADERS_TOO_LARGE",
  ) {
    super(message);
    this.name = "Http1ParseError";
  }
}

/** An HTTP token (RFC 9110), as a header name is. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const HEADER_NAME = new RegExp(`^${TOKEN}$`);
const HEADER_LINE = new RegExp(`^(${TOKEN}):[ \\t]*(.*?)[ \\t]*$`);
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: [^\r\n]*)?$/;

/** The request head (request line and headers, ending with the blank line); `headers` names as given. @internal */
export function encodeRequestHead(method: string, target: string, headers: Readonly<Record<string, string>>): string {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`invalid HTTP header name: ${JSON.stringify(name)}`);
    // As node:http: tab, visible ASCII and Latin-1 only (no CR, LF, NUL; nothing a Latin-1 head cannot carry).
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) throw new TypeError(`invalid value for HTTP header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

/** A complete answer. Header names lower case; repeated headers joined with ", " (set-cookie kept as a list). @internal */
export interface Http1Response {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** True when the body was cut at `maxBodyBytes` + 1 bytes (the caller decides it is too large). */
  truncated: boolean;
}

export interface Http1ParserOptions {
  /** Largest head (status line and headers) accepted. Default 64 KiB. */
  maxHeadBytes?: number;
  /** Body bytes kept; one more byte is kept to show the limit was passed, and the parse ends there. Default 1 MiB. */
  maxBodyBytes?: number;
}

type Framing = { kind: "length"; remaining: number } | { kind: "chunked" } | { kind: "close" };


/**
 * Feed it the bytes of one connection with {@link Http1ResponseParser.push}
 * until it returns the response; call {@link Http1ResponseParser.end} when the
 * peer closes the connection first. Both throw {@link Http1ParseError} for a
 * malformed answer; `end` throws an error with code ECONNRESET when the
 * answer is cut short (as Node.js does).
 * @internal
 */
export class Http1ResponseParser {
  private readonly maxHead: number;
  private readonly maxBody: number;
  private buffer: Buffer = Buffer.alloc(0);
  /** Head bytes received before the blank line that ends the head: kept in pieces, joined once (linear in the head's size). */
  private headPieces: Buffer[] = [];
  private headLength = 0;
  /** The last bytes of the head so far, to find a blank line split across pieces. */
  private headTail: Buffer = Buffer.alloc(0);
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private framing: Framing | undefined;
  private readonly bodyParts: Buffer[] = [];
  private bodySize = 0;
  /** Chunked coding: bytes left in the current chunk; -1 between chunks; -2 in the trailers. */
  private chunkLeft = -1;
  private done: Http1Response | undefined;

  constructor(opts: Http1ParserOptions = {}) {
    this.maxHead = opts.maxHeadBytes ?? 64 * 1024;
    this.maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  }

  /** Adds received bytes; returns the response once it is complete (later bytes are ignored). */
  push(data: Uint8Array): Http1Response | undefined {
    if (this.done) return this.done;
    if (this.framing === undefined) {
      if (!this.collectHead(Buffer.from(data))) return undefined;
    } else {
      this.buffer = this.buffer.length === 0 ? Buffer.from(data) : Buffer.concat([this.buffer, data]);
    }
    for (;;) {
      if (this.framing === undefined) {
        if (!this.parseHead()) {
          // What follows an interim (1xx) answer: the start of the next head.
          const rest = this.buffer;
          this.buffer = Buffer.alloc(0);
          this.collectHead(rest);
          return undefined;
        }
        continue;
      }
      return this.parseBody();
    }
  }

  /**
   * Adds head bytes; true once a blank line has arrived (the head bytes are then
   * joined into the buffer). Looks only at the new bytes and the three before
   * them, so a head sent a byte at a time costs linear, not quadratic, time.
   */
  private collectHead(data: Buffer): boolean {
    if (data.length === 0) return false;
    this.headPieces.push(data);
    this.headLength += data.length;
    const window = this.headTail.length > 0 ? Buffer.concat([this.headTail, data]) : data;
    if (window.indexOf("\n\n") < 0 && window.indexOf("\n\r\n") < 0) {
      // Room for the blank line itself: the same head passes whole or in pieces.
      if (this.headLength > this.maxHead + 3) throw new Http1ParseError(`response headers larger than ${this.maxHead} bytes`, "ERR_HTTP1_HEADERS_TOO_LARGE");
      this.headTail = Buffer.from(window.subarray(Math.max(0, window.length - 3)));
      return false;
    }
    this.buffer = this.headPieces.length === 1 ? data : Buffer.concat(this.headPieces);
    this.headPieces = [];
    this.headLength = 0;
    this.headTail = Buffer.alloc(0);
    return true;
  }

  /** The peer closed the connection: completes a close-delimited body, else throws. */
  end(): Http1Response {
    if (this.done) return this.done;
    if (this.framing?.kind === "close") return this.finish(false);
    // Like Node.js: a connection closed early is a reset (retryable), not a malformed answer.
    const message = this.framing === undefined ? "socket hang up" : "the connection closed before the end of the response body";
    throw Object.assign(new Error(message), { code: "ECONNRESET" });
  }

  /** Parses one head from the buffer; false when more bytes are needed. */
  private parseHead(): boolean {
    const end = findHeadEnd(this.buffer);
    if (end === undefined) return false;
    if (end.headEnd > this.maxHead) throw new Http1ParseError(`response headers larger than ${this.maxHead} bytes`, "ERR_HTTP1_HEADERS_TOO_LARGE");
    const lines = this.buffer.subarray(0, end.headEnd).toString("latin1").split(/\r?\n/);
    this.buffer = this.buffer.subarray(end.bodyStart);
    const statusLine = STATUS_LINE.exec(lines[0] ?? "");
    if (!statusLine) throw malformed(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`);
    const status = Number(statusLine[1]);
    // No prototype: a header named __proto__ or constructor is a header like any other.
    const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    for (const line of lines.slice(1)) {
      const m = HEADER_LINE.exec(line);
      if (!m) throw malformed(`bad header line: ${JSON.stringify(line.slice(0, 60))}`);
      const name = (m[1] as string).toLowerCase();
      const value = m[2] as string;
      const prev = headers[name];
      if (name === "set-cookie") headers[name] = [...((prev as string[] | undefined) ?? []), value];
      else headers[name] = prev === undefined ? value : `${prev as string}, ${value}`;
    }
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
    if (status < 200 && status !== 101) return true;
    if (status === 101) throw malformed("unexpected 101 Switching Protocols");
    this.status = status;
    this.headers = headers;
    this.framing = framingOf(status, headers);
    return true;
  }

  private parseBody(): Http1Response | undefined {
    const f = this.framing as Framing;
    if (f.kind === "close") {
      if (this.take(this.buffer)) return this.finish(true);
      this.buffer = Buffer.alloc(0);
      return undefined;
    }
    if (f.kind === "length") {
      const part = this.buffer.subarray(0, f.remaining);
      f.remaining -= part.length;
      this.buffer = Buffer.alloc(0);
      if (this.take(part)) return this.finish(true);
      return f.remaining === 0 ? this.finish(false) : undefined;
    }
    return this.parseChunks();
  }

  private parseChunks(): Http1Response | undefined {
    for (;;) {
      if (this.chunkLeft > 0) {
        const part = this.buffer.subarray(0, this.chunkLeft);
        this.buffer = this.buffer.subarray(part.length);
        this.chunkLeft -= part.length;
        if (this.take(part)) return this.finish(true);
        if (this.chunkLeft > 0) return undefined;
        this.chunkLeft = 0;
      }
      if (this.chunkLeft === 0) {
        // The CRLF after a chunk's data.
        if (this.buffer.length < 2) return undefined;
        if (this.buffer[0] === 0x0d && this.buffer[1] === 0x0a) this.buffer = this.buffer.subarray(2);
        else if (this.buffer[0] === 0x0a) this.buffer = this.buffer.subarray(1);
        else throw malformed("chunk data longer than its size");
        this.chunkLeft = -1;
      }
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) {
        if (this.buffer.length > 4096) throw malformed("chunk size line too long");
        return undefined;
      }
      const line = this.buffer.subarray(0, nl).toString("latin1").replace(/\r$/, "");
      this.buffer = this.buffer.subarray(nl + 1);
      if (this.chunkLeft === -2) {
        // Trailers, up to the blank line.
        if (line === "") return this.finish(false);
        continue;
      }
      // Leading zeros allowed (RFC 9112 chunk-size = 1*HEXDIG); at most 8 significant digits.
      const size = /^0*([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw malformed(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
      this.chunkLeft = Number.parseInt(size[1] as string, 16);
      if (this.chunkLeft === 0) this.chunkLeft = -2;
    }
  }

  /** Keeps body bytes; true when the body limit is passed (the parse then ends). */
  private take(part: Buffer): boolean {
    if (part.length === 0) return false;
    const room = this.maxBody + 1 - this.bodySize;
    const kept = part.length > room ? part.subarray(0, room) : part;
    this.bodyParts.push(Buffer.from(kept));
    this.bodySize += kept.length;
    return this.bodySize > this.maxBody;
  }

  private finish(truncated: boolean): Http1Response {
    this.done = { statusCode: this.status, headers: this.headers, body: Buffer.concat(this.bodyParts), truncated };
    return this.done;
  }
}

function malformed(detail: string): Http1ParseError {
  return new Http1ParseError(`malformed HTTP response: ${detail}`, "ERR_HTTP1_MALFORMED");
}

/** End of the head: the first empty line (CRLF CRLF, or bare LF LF as lenient peers send). */
function findHeadEnd(buf: Buffer): { headEnd: number; bodyStart: number } | undefined {
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    // The head ends before the line break that ends its last line.
    const headEnd = i > 0 && buf[i - 1] === 0x0d ? i - 1 : i;
    if (buf[i + 1] === 0x0a) return { headEnd, bodyStart: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { headEnd, bodyStart: i + 3 };
  }
  return undefined;
}

function framingOf(status: number, headers: Record<string, string | string[]>): Framing {
  if (status === 204 || status === 304) return { kind: "length", remaining: 0 };
  const te = headers["transfer-encoding"];
  if (typeof te === "string") {
    const codings = te.split(",").map((c) => c.trim().toLowerCase());
    if (codings[codings.length - 1] === "chunked") return { kind: "chunked" };
    return { kind: "close" };
  }
  const cl = headers["content-length"];
  if (typeof cl === "string") {
    const values = new Set(cl.split(",").map((v) => v.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^[0-9]{1,15}$/.test(only)) throw malformed(`bad Content-Length: ${JSON.stringify(cl.slice(0, 40))}`);
    return { kind: "length", remaining: Number(only) };
  }
  return { kind: "close" };
}
