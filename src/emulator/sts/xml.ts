/** The STS XML namespace. @internal */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an XML element body or attribute; characters XML cannot hold become U+FFFD. @internal */
export function xmlEscape(value: string): string {
  return value.replace(NOT_XML, "\uFFFD").replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;");
}

/** An XML tree: element name to text (escaped on output) or child elements; undefined values are left out. @internal */
export type XmlNode = { [name: string]: string | number | XmlNode | undefined };

function render(node: XmlNode, indent: string): string {
  let out = "";
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (typeof value === "object") out += `${indent}<${name}>\n${render(value, indent + "  ")}${indent}</${name}>\n`;
    else out += `${indent}<${name}>${xmlEscape(String(value))}</${name}>\n`;
  }
  return out;
}

/** A whole STS XML document: one root element in the STS namespace. @internal */
export function stsDocument(root: string, body: XmlNode): string {
  return `<${root} xmlns="${STS_XMLNS}">\n${render(body, "  ")}</${root}>\n`;
}

/** An STS success answer: `<Action>Response` › `<Action>Result` + `ResponseMetadata` › `RequestId`. @internal */
export function stsResult(action: string, result: XmlNode, requestId: string): string {
  return stsDocument(`${action}Response`, {
    [`${action}Result`]: result,
    ResponseMetadata: { RequestId: requestId },
  });
}

/** An STS error answer: `ErrorResponse` › `Error` › `Type`, `Code`, `Message`, then `RequestId`. @internal */
export function stsError(code: string, message: string, requestId: string, type: "Sender" | "Receiver" = "Sender"): string {
  return stsDocument("ErrorResponse", { Error: { Type: type, Code: code, Message: message }, RequestId: requestId });
}
