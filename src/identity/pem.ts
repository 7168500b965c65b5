/**
 * PEM block splitting and input sniffing (PEM, DER or base64 DER text). Pure:
 * no I/O. Errors name the source and never quote the content, which may be a key.
 * @internal
 */
import type { ErrorCode } from "../errors.js";
import { isSingleDerElement } from "./der.js";
import { fail, type Origin } from "./fail.js";

/** One PEM block: its label, its RFC 1421 headers (legacy encrypted keys) and its decoded body. */
export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Buffer;
}

/** What some bytes are, as far as encoding goes. */
export type Sniffed =
  | { encoding: "pem"; text: string }
  | { encoding: "der"; der: Buffer; fromBase64: boolean }
  | { encoding: "unknown" };

const BEGIN = "-----BEGIN ";
const END = "-----END ";
const DASHES = "-----";
const LABEL_RE = /^[A-Z0-9][A-Z0-9 #_.-]*$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes text that must be base64 and nothing else (whitespace allowed); undefined if it is not. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_RE.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

/** Text of bytes: UTF-8 (BOM dropped), or UTF-16LE when it starts with that BOM (PowerShell output). */
export function bytesToText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString("utf16le");
  const text = buf.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Tells PEM from DER from base64-encoded DER (as environment variables often
 * hold). PEM text whose newlines were written as the two characters `\n` (a
 * common accident with env vars and JSON) is repaired.
 */
export function sniff(bytes: Uint8Array): Sniffed {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > 0 && buf[0] === 0x30) {
    // DER (or BER, as some PKCS#12 writers produce) never starts with text.
    if (isSingleDerElement(buf) || !buf.includes(BEGIN)) return { encoding: "der", der: buf, fromBase64: false };
  }
  const text = bytesToText(buf);
  if (text.includes(BEGIN)) {
    const repaired = !text.includes("\n") && text.includes("\\n") ? text.replace(/(?:\\r)?\\n/g, "\n") : text;
    return { encoding: "pem", text: repaired };
  }
  const der = decodeBase64Strict(text);
  if (der && der.length > 0 && der[0] === 0x30) return { encoding: "der", der, fromBase64: true };
  return { encoding: "unknown" };
}

function codeFor(label: string, origin: Origin): ErrorCode {
  if (label.includes("CERTIFICATE")) return "CERTIFICATE_PARSE";
  if (label.includes("KEY") || label.includes("PARAMETERS")) return "KEY_PARSE";
  return origin.what === "private key" ? "KEY_PARSE" : "CERTIFICATE_PARSE";
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const TRUNCATED_HINT =
  "the PEM text was cut short: copy the whole block including its -----END ...----- line (for env vars, check the quoting kept every line)";

/**
 * Splits PEM text into blocks, in order. Text outside blocks (comments, prose
 * lines, blank lines) is ignored; CRLF and one-line PEM (newlines turned into
 * spaces) are accepted. Throws IdentityError (CERTIFICATE_PARSE or KEY_PARSE,
 * from the block's label) for a BEGIN without END, an END without BEGIN,
 * mismatched labels, or a body that is not strict base64.
 */
export function parsePem(text: string, origin: Origin): PemBlock[] {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    const strayEnd = text.indexOf(END, pos);
    if (strayEnd !== -1 && (begin === -1 || strayEnd < begin)) {
      const label = readLabel(text, strayEnd + END.length) ?? "?";
      throw fail(codeFor(label, origin), origin, `malformed PEM: "-----END ${label}-----" at line ${lineOf(text, strayEnd)} has no BEGIN line`, {
        hint: "the PEM text is missing its -----BEGIN ...----- line: copy the whole block",
      });
    }
    if (begin === -1) break;
    const label = readLabel(text, begin + BEGIN.length);
    if (label === undefined) {
      throw fail(codeFor("", origin), origin, `malformed PEM: bad BEGIN line at line ${lineOf(text, begin)}`, {
        hint: "a PEM block starts with a line like -----BEGIN CERTIFICATE-----",
      });
    }
    const bodyStart = begin + BEGIN.length + label.length + DASHES.length;
    const end = text.indexOf(END, bodyStart);
    const nextBegin = text.indexOf(BEGIN, bodyStart);
    if (end === -1 || (nextBegin !== -1 && nextBegin < end)) {
      throw fail(
        codeFor(label, origin),
        origin,
        `truncated PEM: "-----BEGIN ${label}-----" at line ${lineOf(text, begin)} has no matching "-----END ${label}-----" line`,
        { hint: TRUNCATED_HINT },
      );
    }
    const endLabel = readLabel(text, end + END.length);
    if (endLabel !== label) {
      throw fail(
        codeFor(label, origin),
        origin,
        `malformed PEM: "-----BEGIN ${label}-----" is closed by "-----END ${endLabel ?? "?"}-----" at line ${lineOf(text, end)}`,
        { hint: TRUNCATED_HINT },
      );
    }
    const { headers, body, bodyOffset } = splitHeaders(text.slice(bodyStart, end));
    const der = decodeBase64Strict(body);
    if (!der) {
      const bad = firstNonBase64(body);
      const where =
        bad !== -1
          ? ` (unexpected character at line ${lineOf(text, bodyStart + bodyOffset + bad)})`
          : body.trim() === ""
            ? " (the block is empty)"
            : " (wrong length or misplaced '=': the text was cut or altered)";
      throw fail(codeFor(label, origin), origin, `the ${label} PEM block is not valid base64${where}`, {
        hint: "the text between the BEGIN and END lines must be base64 only: re-export the file, or check that nothing was pasted into it",
      });
    }
    blocks.push({ label, headers, der });
    pos = end + END.length + label.length + DASHES.length;
  }
  return blocks;
}

function readLabel(text: string, from: number): string | undefined {
  const close = text.indexOf(DASHES, from);
  if (close === -1) return undefined;
  const label = text.slice(from, close);
  return LABEL_RE.test(label) ? label : undefined;
}

/** RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: …") come first, then a blank line. */
function splitHeaders(raw: string): { headers: Record<string, string>; body: string; bodyOffset: number } {
  const headers: Record<string, string> = {};
  if (!/^\s*[A-Za-z][A-Za-z0-9-]*:/.test(raw)) return { headers, body: raw, bodyOffset: 0 };
  // Lines with their terminators, so offsets stay exact with CRLF.
  const lines = raw.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  let offset = 0;
  let i = 0;
  let last: string | undefined;
  while (i < lines.length && lines[i]!.trim() === "") offset += lines[i++]!.length;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.replace(/\r?\n$/, "");
    if (trimmed.trim() === "") {
      offset += line.length;
      break;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(trimmed);
    if (m) {
      last = m[1]!;
      headers[last] = m[2]!.trim();
    } else if (last && /^\s/.test(trimmed)) {
      headers[last] += trimmed.trim();
    } else {
      break;
    }
    offset += line.length;
  }
  return { headers, body: raw.slice(offset), bodyOffset: offset };
}

function firstNonBase64(body: string): number {
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (!/[A-Za-z0-9+/=\s]/.test(c)) return i;
  }
  return -1;
}

/** Encodes DER as a PEM block (64-column base64), with optional RFC 1421 headers. */
export function toPem(label: string, der: Uint8Array, headers: Record<string, string> = {}): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = [`${BEGIN}${label}${DASHES}`];
  const names = Object.keys(headers);
  for (const name of names) lines.push(`${name}: ${headers[name]}`);
  if (names.length > 0) lines.push("");
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`${END}${label}${DASHES}`, "");
  return lines.join("\n");
}
