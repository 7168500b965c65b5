import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePem, sniff, toPem, decodeBase64Strict, bytesToText } from "../../../src/identity/pem.js";
import type { Origin } from "../../../src/identity/fail.js";
import { interop, official, syncRejection } from "./helpers.js";

const certOrigin: Origin = { what: "certificate", label: "file /tmp/c.pem" };
const keyOrigin: Origin = { what: "private key", label: "env:KEY" };
const certPem = readFileSync(interop("ec-p256/cert.pem"), "utf8");
const certDer = readFileSync(interop("ec-p256/cert.der"));

describe("parsePem", () => {
  it("splits a fullchain into its blocks, in order, with exact DER", () => {
    const blocks = parsePem(readFileSync(interop("ec-p256/fullchain.pem"), "utf8"), certOrigin);
    expect(blocks.map((b) => b.label)).toEqual(["CERTIFICATE", "CERTIFICATE", "CERTIFICATE"]);
    expect(blocks[0]!.der.equals(certDer)).toBe(true);
  });

  it("ignores prose and comments between and around blocks", () => {
    const text = `Note: a leaf follows\n\n${certPem}Comment in bundle\n${certPem}trailing words`;
    const blocks = parsePem(text, certOrigin);
    expect(blocks).toHaveLength(2);
    expect(blocks[1]!.der.equals(certDer)).toBe(true);
  });

  it("accepts CRLF line endings", () => {
    const blocks = parsePem(certPem.replace(/\n/g, "\r\n"), certOrigin);
    expect(blocks[0]!.der.equals(certDer)).toBe(true);
  });

  it("accepts one-line PEM whose newlines became spaces", () => {
    const blocks = parsePem(certPem.replace(/\n/g, " "), certOrigin);
    expect(blocks[0]!.der.equals(certDer)).toBe(true);
  });

  it("reads RFC 1421 headers of legacy encrypted keys and keeps the body exact", () => {
    const text = readFileSync(interop("rsa-2048/key-pkcs1-encrypted.pem"), "utf8");
    const [block] = parsePem(text, keyOrigin);
    expect(block!.label).toBe("RSA PRIVATE KEY");
    expect(block!.headers["Proc-Type"]).toBe("4,ENCRYPTED");
    expect(block!.headers["DEK-Info"]).toMatch(/^AES-256-CBC,[0-9A-F]{32}$/);
    expect(toPem(block!.label, block!.der, block!.headers).replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
  });

  it("returns no blocks for text without any", () => {
    expect(parsePem("just words", certOrigin)).toEqual([]);
  });

  it("reports a BEGIN line without END as truncated PEM", () => {
    const cut = certPem.slice(0, certPem.indexOf("-----END"));
    const err = syncRejection(() => parsePem(cut, certOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toBe(
      'certificate (file /tmp/c.pem): truncated PEM: "-----BEGIN CERTIFICATE-----" at line 1 has no matching "-----END CERTIFICATE-----" line',
    );
    expect(err.hint).toContain("cut short");
  });

  it("reports a block cut off by the next BEGIN as truncated", () => {
    const cut = certPem.slice(0, certPem.indexOf("-----END")) + certPem;
    syncRejection(() => parsePem(cut, certOrigin), "CERTIFICATE_PARSE");
  });

  it("uses KEY_PARSE for a truncated key block, whatever the source", () => {
    const key = readFileSync(interop("ec-p256/key-pkcs8.pem"), "utf8");
    const err = syncRejection(() => parsePem(key.slice(0, 60), certOrigin), "KEY_PARSE");
    expect(err.message).toContain('"-----BEGIN PRIVATE KEY-----" at line 1 has no matching "-----END PRIVATE KEY-----" line');
  });

  it("reports an END line without BEGIN", () => {
    const err = syncRejection(() => parsePem(certPem.slice(certPem.indexOf("\n") + 1), certOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toMatch(/"-----END CERTIFICATE-----" at line \d+ has no BEGIN line$/);
  });

  it("reports mismatched BEGIN and END labels", () => {
    const text = certPem.replace("-----END CERTIFICATE-----", "-----END PRIVATE KEY-----");
    const err = syncRejection(() => parsePem(text, certOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toContain('"-----BEGIN CERTIFICATE-----" is closed by "-----END PRIVATE KEY-----"');
  });

  it("rejects garbage in the base64 body, naming the line but not the content", () => {
    const lines = certPem.split("\n");
    lines[3] = "this is %% not base64 at all!";
    const err = syncRejection(() => parsePem(lines.join("\n"), keyOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toBe("private key (env:KEY): the CERTIFICATE PEM block is not valid base64 (unexpected character at line 4)");
    expect(err.message).not.toContain("not base64 at all");
  });

  it("rejects a body whose base64 length is wrong (a cut line)", () => {
    const lines = certPem.split("\n");
    lines[2] = lines[2]!.slice(0, 61);
    const err = syncRejection(() => parsePem(lines.join("\n"), certOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toContain("not valid base64 (wrong length or misplaced '=': the text was cut or altered)");
  });

  it("rejects an empty block", () => {
    const err = syncRejection(() => parsePem("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", certOrigin), "CERTIFICATE_PARSE");
    expect(err.message).toContain("(the block is empty)");
  });

  it("finds the block after the prose line of the official invalid fixtures", () => {
    const cert = parsePem(readFileSync(official("tst/certs/invalid-rsa-cert.pem"), "utf8"), certOrigin);
    expect(cert.map((b) => b.label)).toEqual(["CERTIFICATE"]);
    expect(cert[0]!.der.length).toBe(988);
    const err = syncRejection(() => parsePem(readFileSync(official("tst/certs/invalid-rsa-key.pem"), "utf8"), keyOrigin), "KEY_PARSE");
    expect(err.message).toBe(
      "private key (env:KEY): the RSA PRIVATE KEY PEM block is not valid base64 (wrong length or misplaced '=': the text was cut or altered)",
    );
  });
});

describe("sniff", () => {
  it("tells PEM text", () => {
    expect(sniff(Buffer.from(certPem))).toEqual({ encoding: "pem", text: certPem });
  });

  it("tells DER bytes", () => {
    expect(sniff(certDer)).toMatchObject({ encoding: "der", fromBase64: false });
  });

  it("tells base64 DER text, as env vars hold it, with or without line breaks", () => {
    const b64 = certDer.toString("base64");
    const one = sniff(Buffer.from(b64));
    expect(one).toMatchObject({ encoding: "der", fromBase64: true });
    expect((one as { der: Buffer }).der.equals(certDer)).toBe(true);
    const wrapped = sniff(Buffer.from(b64.replace(/(.{64})/g, "$1\n") + "\n"));
    expect((wrapped as { der: Buffer }).der.equals(certDer)).toBe(true);
  });

  it("repairs PEM whose newlines were written as the two characters \\n", () => {
    const escaped = certPem.replace(/\n/g, "\\n");
    const s = sniff(Buffer.from(escaped));
    expect(s.encoding).toBe("pem");
    expect(parsePem((s as { text: string }).text, certOrigin)[0]!.der.equals(certDer)).toBe(true);
  });

  it("drops a UTF-8 byte order mark and reads UTF-16LE (PowerShell) text", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(certPem)]);
    expect(sniff(bom)).toEqual({ encoding: "pem", text: certPem });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(certPem, "utf16le")]);
    expect(bytesToText(utf16)).toBe(certPem);
    expect(sniff(utf16).encoding).toBe("pem");
  });

  it("calls anything else unknown", () => {
    expect(sniff(Buffer.from("hello world")).encoding).toBe("unknown");
    expect(sniff(Buffer.from("aGVsbG8=")).encoding).toBe("unknown"); // base64, but not DER
  });
});

describe("decodeBase64Strict", () => {
  it("decodes base64 with whitespace and refuses anything looser", () => {
    expect(decodeBase64Strict(" aGVs\nbG8= ")?.toString()).toBe("hello");
    expect(decodeBase64Strict("aGVsbG8")).toBeUndefined();
    expect(decodeBase64Strict("aGV*bG8=")).toBeUndefined();
    expect(decodeBase64Strict("a=GVsbG8")).toBeUndefined();
    expect(decodeBase64Strict("")).toBeUndefined();
  });
});
