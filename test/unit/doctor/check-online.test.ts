import { describe, expect, it } from "vitest";
import { checkOnline, clockSkew } from "../../../src/doctor/check-online.js";
import type { DateProbe, OnlineFacts } from "../../../src/doctor/types.js";

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const NOT_TRIED: OnlineFacts["createSession"] = { skipped: "not tried" };

/** A probe where the server's Date is `offsetMs` from the local clock, with a 200 ms round trip. */
function probe(offsetMs: number): DateProbe {
  return { url: "https://rolesanywhere.us-east-1.amazonaws.com/", dateHeader: new Date(T + offsetMs).toUTCString(), sentAt: T - 100, receivedAt: T + 100 };
}

function clockLine(p: DateProbe) {
  return checkOnline({ clock: { ok: true, value: p }, createSession: NOT_TRIED })[0]!;
}

describe("doctor online checks", () => {
  it("computes the skew from the Date header's midpoint and the round trip", () => {
    expect(clockSkew(probe(0))).toEqual({ skewMs: -500, uncertaintyMs: 600 });
    expect(clockSkew(probe(-120_000))!.skewMs).toBe(119_500);
    expect(clockSkew({ ...probe(0), dateHeader: "not a date" })).toBeUndefined();
  });

  it("passes a skew within a minute", () => {
    const line = clockLine(probe(19_000));
    expect(line.status).toBe("pass");
    expect(line.detail).toBe("this machine's clock is 20 s behind rolesanywhere.us-east-1.amazonaws.com (±1 s)");
  });

  it("warns above 60 s and fails above 5 minutes, with the NTP fix", () => {
    const w = clockLine(probe(-90_000));
    expect(w.status).toBe("warn");
    expect(w.detail).toMatch(/^this machine's clock is 90 s ahead of /);
    const f = clockLine(probe(-7 * 60_000));
    expect(f.status).toBe("fail");
    expect(f.detail).toMatch(/is 7\.0 min ahead of .*refused \('Invalid signature'\)$/);
    expect(f.fix).toMatch(/NTP/);
    expect(clockLine(probe(6 * 60_000)).status).toBe("fail");
  });

  it("warns when the answer has no Date header", () => {
    const { dateHeader: _, ...noDate } = probe(0);
    expect(clockLine(noDate).status).toBe("warn");
  });

  it("fails an unreachable endpoint with the network hint", () => {
    const [line] = checkOnline({
      clock: { ok: false, problem: { message: "could not reach http://127.0.0.1:1/: connect ECONNREFUSED", hint: "nothing accepts connections at the endpoint" } },
      createSession: NOT_TRIED,
    });
    expect(line).toEqual({ status: "fail", check: "clock skew", detail: "could not reach http://127.0.0.1:1/: connect ECONNREFUSED", fix: "nothing accepts connections at the endpoint" });
  });

  it("passes CreateSession with the expiration, and fails it with the service error and its hint", () => {
    const okLine = checkOnline({
      clock: { skipped: "x" },
      createSession: {
        ok: true,
        value: { expiration: new Date(T + 3600_000), accountId: "123456789012", roleArn: "arn:aws:iam::123456789012:role/demo", assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/demo/s" },
      },
    })[1]!;
    expect(okLine).toEqual({
      status: "pass",
      check: "CreateSession",
      detail: "credentials for arn:aws:sts::123456789012:assumed-role/demo/s (account 123456789012), valid until 2030-01-01T13:00:00Z",
    });
    const failLine = checkOnline({
      clock: { skipped: "x" },
      createSession: { ok: false, problem: { message: "CreateSession failed: Untrusted Signing Certificate", hint: "an intermediate CA is missing", awsCode: "AccessDeniedException", status: 403 } },
    })[1]!;
    expect(failLine).toEqual({
      status: "fail",
      check: "CreateSession",
      detail: "CreateSession failed: Untrusted Signing Certificate (AccessDeniedException, HTTP 403)",
      fix: "an intermediate CA is missing",
    });
  });

  it("lists both online checks as not checked without --online", () => {
    expect(checkOnline(undefined).map((r) => [r.check, r.status])).toEqual([
      ["clock skew", "skip"],
      ["CreateSession", "skip"],
    ]);
  });
});
