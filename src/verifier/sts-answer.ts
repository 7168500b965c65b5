import { IdentityTokenError } from "./errors.js";
import type { StsAnswer } from "./sts-call.js";

/** The namespace of STS's answers. @internal */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Who STS says signed the request. @internal */
export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

type XmlObject = Record<string, unknown>;

async function parseXml(text: string): Promise<XmlObject | undefined> {
  // Loaded on first use: a service that never verifies a token never loads the parser.
  const { XMLParser, XMLValidator } = await import("fast-xml-parser");
  if (XMLValidator.validate(text) !== true) return undefined;
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false, parseAttributeValue: false, processEntities: true, trimValues: true });
  const parsed: unknown = parser.parse(text);
  return typeof parsed === "object" && parsed !== null ? (parsed as XmlObject) : undefined;
}

const child = (o: unknown, name: string): unknown => (typeof o === "object" && o !== null ? (o as XmlObject)[name] : undefined);
const text = (o: unknown): string | undefined => (typeof o === "string" ? o : undefined);

/**
 * Reads STS's answer to GetCallerIdentity: 200 with XML whose root is
 * GetCallerIdentityResponse in STS's namespace, with Arn, UserId and a
 * 12-digit Account. Anything else is refused: a non-200 (STS_REFUSED, with
 * STS's error code when it sent its XML error) or an answer that is not that
 * XML (STS_BAD_ANSWER).
 * @throws IdentityTokenError STS_REFUSED or STS_BAD_ANSWER.
 * @internal
 */
export async function readCallerIdentity(answer: StsAnswer): Promise<CallerIdentity> {
  const isXml = /^(text|application)\/xml\b/i.test(answer.contentType);
  const doc = isXml ? await parseXml(answer.body) : undefined;
  if (answer.status !== 200) {
    const error = child(child(doc, "ErrorResponse"), "Error");
    const code = text(child(error, "Code"));
    const message = text(child(error, "Message"));
    const detail = code !== undefined ? `: ${code}${message !== undefined ? ` (${message.slice(0, 200)})` : ""}` : "";
    throw new IdentityTokenError("STS_REFUSED", `STS refused the token with HTTP ${answer.status}${detail}`, {
      stsStatus: answer.status,
      ...(code !== undefined ? { stsCode: code } : {}),
    });
  }
  if (!isXml) throw new IdentityTokenError("STS_BAD_ANSWER", `STS answered 200 with ${answer.contentType || "no content type"}, not XML`);
  const response = child(doc, "GetCallerIdentityResponse");
  if (response === undefined) throw new IdentityTokenError("STS_BAD_ANSWER", "STS's answer is not a GetCallerIdentityResponse");
  if (child(response, "@xmlns") !== STS_XMLNS) throw new IdentityTokenError("STS_BAD_ANSWER", "STS's answer is not in STS's XML namespace");
  const result = child(response, "GetCallerIdentityResult");
  const arn = text(child(result, "Arn"));
  const userId = text(child(result, "UserId"));
  const account = text(child(result, "Account"));
  if (arn === undefined || !arn.startsWith("arn:") || userId === undefined || account === undefined || !/^\d{12}$/.test(account)) {
    throw new IdentityTokenError("STS_BAD_ANSWER", "STS's answer lacks a valid Arn, UserId or Account");
  }
  return { arn, account, userId };
}
