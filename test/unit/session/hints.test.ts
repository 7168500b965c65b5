import { describe, expect, it } from "vitest";
import type { HintInput } from "../../../src/session/hints.js";
import { HINT_RULES, hintFor } from "../../../src/session/hints.js";

/** One case per rule: the input, the rule that must answer, and words the hint must contain. */
const CASES: Array<[string, HintInput, string, RegExp]> = [
  ["untrusted certificate", { status: 403, awsCode: "AccessDeniedException", message: "Untrusted Signing Certificate" }, "untrusted certificate", /--intermediates.*fullchain/],
  ["invalid signature", { status: 403, awsCode: "AccessDeniedException", message: "Invalid signature" }, "invalid signature", /clock.*NTP.*--private-key/],
  ["session name refused", { status: 403, awsCode: "AccessDeniedException", message: "Not authorized to set roleSessionName." }, "role session name refused", /acceptRoleSessionName.*--role-session-name/],
  ["role not in profile", { status: 403, message: "Requested Role isn't one of those listed in the Profile." }, "role not in profile", /--role-arn/],
  ["unknown profile", { status: 403, message: "Invalid or empty profile provided." }, "unknown profile", /--profile-arn and the region/],
  ["unknown trust anchor", { status: 403, message: "Specified Trust Anchor wasn't found." }, "unknown trust anchor", /--trust-anchor-arn and the region/],
  ["disabled", { status: 403, awsCode: "AccessDeniedException", message: "Trust anchor is disabled" }, "disabled", /enable-trust-anchor/],
  ["revoked", { status: 403, message: "Certificate has been revoked" }, "revoked certificate", /CRL/],
  ["expired", { status: 403, message: "Certificate expired" }, "expired certificate", /renew/],
  ["CA leaf (emulator)", { status: 403, awsCode: "AccessDeniedException", message: "Signing certificate must not be a CA certificate (basicConstraints CA:TRUE)." }, "CA certificate as signing certificate", /end-entity.*CA:FALSE.*doctor/],
  ["leaf rule (emulator)", { status: 403, awsCode: "AccessDeniedException", message: "Signing certificate keyUsage must include digitalSignature." }, "certificate rules", /digitalSignature.*doctor/],
  ["leaf key type (emulator)", { status: 403, awsCode: "AccessDeniedException", message: "Signing certificate key type is not supported." }, "certificate rules", /RSA 2048\+/],
  ["scope region (emulator)", { status: 403, awsCode: "AccessDeniedException", message: "Invalid credential scope: region eu-west-1 does not match this endpoint's region us-east-1" }, "signing region", /leave out --region/],
  ["scope region (SigV4 wording)", { status: 403, message: "Credential should be scoped to a valid region." }, "signing region", /--region/],
  ["duration", { status: 400, awsCode: "ValidationException", message: "durationSeconds exceeds the role's MaxSessionDuration" }, "duration out of range", /--session-duration/],
  ["throttled by status", { status: 429 }, "throttled", /retry later/],
  ["throttled by code", { status: 400, awsCode: "ThrottlingException" }, "throttled", /retry later/],
  ["service failure", { status: 503 }, "service failure", /retry later/],
  ["resource not found", { status: 404, awsCode: "ResourceNotFoundException", message: "Resource not there" }, "resource not found", /ARN|arn/],
  ["validation", { status: 400, awsCode: "ValidationException", message: "bad input" }, "validation", /--role-session-name/],
  ["access denied", { status: 403, awsCode: "AccessDeniedException", message: "Access Denied" }, "access denied", /trusts rolesanywhere\.amazonaws\.com/],
  ["connection refused", { networkCode: "ECONNREFUSED" }, "connection refused", /--endpoint.*HTTPS_PROXY/],
  ["host not found", { networkCode: "ENOTFOUND" }, "host not found", /DNS/],
  ["https to a plain-HTTP port", { networkCode: "ERR_SSL_WRONG_VERSION_NUMBER" }, "not TLS", /http:\/\/.*port/],
  ["self-signed", { networkCode: "SELF_SIGNED_CERT_IN_CHAIN" }, "tls verification", /AWS_CA_BUNDLE.*--no-verify-ssl/],
  ["unable to verify", { networkCode: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }, "tls verification", /AWS_CA_BUNDLE/],
  ["timeout", { networkCode: "TIMEOUT" }, "timeout", /did not answer in time/],
  ["proxy", { networkCode: "PROXY" }, "proxy refused", /NO_PROXY/],
  ["reset", { networkCode: "ECONNRESET" }, "connection dropped", /firewalls/],
  ["not HTTP (node:http's and undici's parser)", { networkCode: "HPE_INVALID_CONSTANT" }, "not HTTP", /AWS_ENDPOINT_URL_ROLESANYWHERE/],
];

describe("hints", () => {
  it.each(CASES)("%s → the '%s' rule", (_, input, rule, words) => {
    const found = HINT_RULES.find((r) => r.matches(input));
    expect(found?.name).toBe(rule);
    expect(hintFor(input)).toMatch(words);
  });

  it("has a case for every rule", () => {
    const covered = new Set(CASES.map(([, , rule]) => rule));
    expect(HINT_RULES.map((r) => r.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it("gives no hint for an unknown client error", () => {
    expect(hintFor({ status: 418, awsCode: "Teapot", message: "short and stout" })).toBeUndefined();
    expect(hintFor({ networkCode: "EWHATEVER" })).toBeUndefined();
  });
});
