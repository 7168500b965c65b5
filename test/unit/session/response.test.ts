import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CreateSessionError } from "../../../src/errors.js";
import {
  isRetryableStatus,
  parseServiceError,
  parseSuccess,
  sanitizeErrorCode,
  serviceErrorToException,
} from "../../../src/session/response.js";
import { errorOf } from "../../helpers/errors.js";

const ROLE = { roleArn: "arn:aws:iam::123456789012:role/demo", accountId: "123456789012" };
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN";
const BODY = JSON.stringify({
  credentialSet: [
    {
      assumedRoleUser: { arn: "arn:aws:sts::123456789012:assumed-role/demo/abc", assumedRoleId: "AROAEXAMPLE:abc" },
      credentials: { accessKeyId: "ASIAEXAMPLE123456", expiration: "2024-07-06T15:30:04Z", secretAccessKey: SECRET, sessionToken: TOKEN },
      packedPolicySize: 10,
      roleArn: ROLE.roleArn,
      sourceIdentity: "CN=client",
    },
  ],
  subjectArn: "arn:aws:rolesanywhere:us-east-1:123456789012:subject/1",
});

const thrown = (fn: () => unknown) => errorOf(fn, CreateSessionError);

describe("response", () => {
  it("parses the first credential set, keeping the expiration string", () => {
    const c = parseSuccess(201, {}, BODY, ROLE);
    expect(c.accessKeyId).toBe("ASIAEXAMPLE123456");
    expect(c.secretAccessKey.reveal()).toBe(SECRET);
    expect(c.sessionToken.reveal()).toBe(TOKEN);
    expect(c.expiration.toISOString()).toBe("2024-07-06T15:30:04.000Z");
    expect(c.expirationRaw).toBe("2024-07-06T15:30:04Z");
    expect(c.accountId).toBe("123456789012");
    expect(c.roleArn).toBe(ROLE.roleArn);
    expect(c.assumedRoleArn).toBe("arn:aws:sts::123456789012:assumed-role/demo/abc");
    expect(JSON.stringify(c) + inspect(c)).not.toMatch(new RegExp(`${SECRET}|${TOKEN}`));
  });

  it("reports an empty credentialSet with the official wording", () => {
    const e = thrown(() => parseSuccess(201, { "x-amzn-requestid": "r1" }, '{"credentialSet":[]}', ROLE));
    expect(e.message).toBe("unable to obtain temporary security credentials from CreateSession: the response's credentialSet is empty");
    expect(e.code).toBe("NO_CREDENTIALS");
    expect(e.requestId).toBe("r1");
  });

  it.each([
    ["not JSON", "<html>", "the body is not a JSON object"],
    ["credentials missing", '{"credentialSet":[{}]}', "credentialSet[0].credentials is missing"],
    ["fields missing", '{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S"}}]}', "credentials lack sessionToken, expiration"],
    ["bad date", '{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":"soon"}}]}', "expiration 'soon' is not a date"],
  ])("refuses a body with %s, without quoting secrets", (_, body, why) => {
    const e = thrown(() => parseSuccess(201, {}, body, ROLE));
    expect(e.message).toBe(`CreateSession failed: malformed response: ${why} (HTTP 201)`);
    expect(e.message).not.toMatch(/"S"|'S'/);
  });

  it.each([
    ["AccessDeniedException", "AccessDeniedException"],
    ["AccessDeniedException:http://internal.amazon.com/coral/", "AccessDeniedException"],
    ["aws.protocoltests.restjson#FooError", "FooError"],
    ["aws.protocoltests.restjson#FooError:http://internal.amazon.com/", "FooError"],
  ])("sanitizes the error type %s", (raw, code) => {
    expect(sanitizeErrorCode(raw)).toBe(code);
  });

  it("takes the code from the header first, then code, then __type", () => {
    expect(parseServiceError(403, { "x-amzn-errortype": "AccessDeniedException:x" }, '{"code":"Other","message":"m"}').awsCode).toBe(
      "AccessDeniedException",
    );
    expect(parseServiceError(400, {}, '{"code":"ValidationException","__type":"X"}').awsCode).toBe("ValidationException");
    expect(parseServiceError(400, {}, '{"__type":"ns#ValidationException","Message":"M"}')).toEqual({
      status: 400,
      awsCode: "ValidationException",
      message: "M",
    });
    expect(parseServiceError(502, {}, "<html>bad gateway</html>")).toEqual({ status: 502 });
  });

  it("formats a refusal on one line with code, message, status, request id and hint", () => {
    const e = serviceErrorToException(
      parseServiceError(403, { "x-amzn-errortype": "AccessDeniedException", "x-amzn-requestid": "req-1" }, '{"message":"Untrusted Signing Certificate"}'),
      1,
    );
    expect(e.message).toBe("CreateSession failed: AccessDeniedException: Untrusted Signing Certificate (HTTP 403, request id req-1)");
    expect(e.status).toBe(403);
    expect(e.awsCode).toBe("AccessDeniedException");
    expect(e.requestId).toBe("req-1");
    expect(e.retryable).toBe(false);
    expect(e.code).toBe("CREATE_SESSION");
    expect(e.hint).toMatch(/--intermediates/);
  });

  it("formats a bare 503 after three attempts and flattens multi-line service text", () => {
    expect(serviceErrorToException({ status: 503 }, 3).message).toBe("CreateSession failed: HTTP 503 Service Unavailable (HTTP 503, 3 attempts)");
    expect(serviceErrorToException({ status: 400, message: parseServiceError(400, {}, '{"message":"a\\nb"}').message! }, 1).message).toBe(
      "CreateSession failed: a b (HTTP 400)",
    );
  });

  it("retries throttling and 5xx only", () => {
    expect(isRetryableStatus({ status: 429 })).toBe(true);
    expect(isRetryableStatus({ status: 400, awsCode: "TooManyRequestsException" })).toBe(true);
    expect(isRetryableStatus({ status: 500 })).toBe(true);
    expect(isRetryableStatus({ status: 503 })).toBe(true);
    expect(isRetryableStatus({ status: 403, awsCode: "AccessDeniedException" })).toBe(false);
    expect(isRetryableStatus({ status: 400, awsCode: "ValidationException" })).toBe(false);
  });
});
