import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseXml, textAt, XmlSyntaxError } from "../../../src/sources/sts/xml.js";
import { parseStsError, parseStsResult, stsErrorToException, stsHintFor, STS_HINT_RULES } from "../../../src/sources/sts/response.js";

const ASSUME_ROLE_OK = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::444455556666:assumed-role/B/s&amp;1</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalr/K7&#x4D;DENG+bPxRfiCY</SecretAccessKey>
      <SessionToken><![CDATA[Fw<token>==]]></SessionToken>
      <Expiration>2026-12-04T20:00:00Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

const python = spawnSync("python3", ["-c", "import xml.etree.ElementTree"], { encoding: "utf8" }).status === 0;

describe("STS XML reader", () => {
  it("reads an AssumeRole answer: nested elements, entities, character references, CDATA", () => {
    const root = parseXml(`<?xml version="1.0"?>\n<!-- c -->\n${ASSUME_ROLE_OK}`);
    expect(root.name).toBe("AssumeRoleResponse");
    const r = parseStsResult("AssumeRole x", "AssumeRole", 200, {}, ASSUME_ROLE_OK);
    expect(textAt(r, "AssumedRoleUser", "Arn")).toBe("arn:aws:sts::444455556666:assumed-role/B/s&1");
    expect(textAt(r, "Credentials", "SecretAccessKey")).toBe("wJalr/K7MDENG+bPxRfiCY");
    expect(textAt(r, "Credentials", "SessionToken")).toBe("Fw<token>==");
    expect(textAt(r, "SourceIdentity")).toBe("alice");
    expect(textAt(r, "Missing")).toBeUndefined();
  });

  it.skipIf(!python)("agrees with Python's ElementTree on every leaf of the answer (independent parser)", () => {
    const script = "import sys,json,xml.etree.ElementTree as E\nr=E.fromstring(sys.stdin.read())\nout={}\ndef w(e,p):\n  k=p+'/'+e.tag.split('}')[-1]\n  if len(e)==0: out[k]=(e.text or '').strip()\n  for c in e: w(c,k)\nw(r,'')\nprint(json.dumps(out))";
    const py = spawnSync("python3", ["-c", script], { input: ASSUME_ROLE_OK, encoding: "utf8" });
    const expected = JSON.parse(py.stdout) as Record<string, string>;
    const ours: Record<string, string> = {};
    const walk = (e: ReturnType<typeof parseXml>, p: string) => {
      const k = `${p}/${e.name}`;
      if (e.children.length === 0) ours[k] = e.text.trim();
      for (const c of e.children) walk(c, k);
    };
    walk(parseXml(ASSUME_ROLE_OK), "");
    expect(ours).toEqual(expected);
  });

  it("agrees with fast-xml-parser on every leaf of the answer (a second independent parser)", async () => {
    const { XMLParser } = await import("fast-xml-parser");
    const tree = new XMLParser({ removeNSPrefix: true, parseTagValue: false, trimValues: true, ignoreAttributes: true, htmlEntities: true }).parse(ASSUME_ROLE_OK) as Record<string, unknown>;
    const theirs: Record<string, string> = {};
    const walk = (o: unknown, p: string) => {
      if (typeof o === "string") theirs[p] = o;
      else if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) walk(v, `${p}/${k}`);
    };
    walk(tree, "");
    const ours: Record<string, string> = {};
    const mine = (e: ReturnType<typeof parseXml>, p: string) => {
      const k = `${p}/${e.name}`;
      if (e.children.length === 0) ours[k] = e.text.trim();
      for (const c of e.children) mine(c, k);
    };
    mine(parseXml(ASSUME_ROLE_OK), "");
    expect(ours).toEqual(theirs);
  });

  it("refuses what is not well-formed, and DOCTYPE (no entity expansion)", () => {
    for (const bad of ["<a><b></a>", "<a>", "text", "<a>&foo;</a>", "<a>x & y</a>", '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "<a></a><b></b>", ""]) {
      expect(() => parseXml(bad), bad).toThrow(XmlSyntaxError);
    }
  });

  it("decodes ErrorResponse into code, message and request id", () => {
    const body = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::111122223333:assumed-role/A/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/B</Message></Error>
  <RequestId>r-1</RequestId>
</ErrorResponse>`;
    const e = parseStsError(403, {}, body);
    expect(e).toEqual({
      status: 403,
      awsCode: "AccessDenied",
      message: "User: arn:aws:sts::111122223333:assumed-role/A/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/B",
      requestId: "r-1",
    });
    const ex = stsErrorToException("AssumeRole arn:aws:iam::444455556666:role/B", e, 1);
    expect(ex.message).toBe(
      "AssumeRole arn:aws:iam::444455556666:role/B failed: AccessDenied: User: arn:aws:sts::111122223333:assumed-role/A/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/B (HTTP 403, request id r-1)",
    );
    expect(ex.hint).toMatch(/^check the role's trust policy: .*--external-id/);
    expect(ex.code).toBe("ASSUME_ROLE");
    expect(ex.awsCode).toBe("AccessDenied");
  });

  it("falls back to the status and the x-amzn-RequestId header when the body is not STS XML", () => {
    expect(parseStsError(502, { "x-amzn-requestid": "h-1" }, "<html>")).toEqual({ status: 502, requestId: "h-1" });
    expect(() => parseStsResult("AssumeRole x", "AssumeRole", 200, {}, "{}")).toThrow("AssumeRole x failed: malformed response: the body is not XML (HTTP 200)");
    expect(() => parseStsResult("AssumeRole x", "AssumeRole", 200, {}, "<Other/>")).toThrow("expected <AssumeRoleResponse>, got <Other>");
  });

  it("hints for each STS refusal the issue names", () => {
    const hint = (awsCode: string, message = "") => stsHintFor({ status: 400, awsCode, message });
    expect(hint("AccessDenied", "… is not authorized to perform: sts:TagSession on resource: …")).toMatch(/sts:TagSession in the role's trust policy/);
    expect(hint("AccessDenied", "… not authorized to perform: sts:SetSourceIdentity on …")).toMatch(/sts:SetSourceIdentity/);
    expect(hint("RegionDisabledException")).toMatch(/not activated in this region/);
    expect(hint("ExpiredToken")).toMatch(/expired before the call/);
    expect(hint("PackedPolicyTooLarge")).toMatch(/too large once packed/);
    expect(hint("MalformedPolicyDocument")).toMatch(/--session-policy must be a valid IAM policy document/);
    expect(hint("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")).toMatch(/at most 3600 seconds/);
    expect(new Set(STS_HINT_RULES.map((r) => r.name)).size).toBe(STS_HINT_RULES.length);
  });
});
