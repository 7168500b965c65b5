import { describe, expect, it } from "vitest";
import { doctorExitCode } from "../../../src/doctor/evaluate.js";
import { formatCheck, formatChecklist } from "../../../src/doctor/format.js";
import type { CheckResult } from "../../../src/doctor/types.js";

const PASS: CheckResult = { status: "pass", check: "key usage", detail: "digitalSignature" };
const FAIL: CheckResult = { status: "fail", check: "validity", detail: "the certificate expired", fix: "renew it" };
const WARN: CheckResult = { status: "warn", check: "validity", detail: "expires in 3 days", fix: "renew it soon" };
const SKIP: CheckResult = { status: "skip", check: "CreateSession", detail: "add --online" };

describe("doctor checklist format", () => {
  it("prints one line per check with its mark, and the fix after failures and warnings", () => {
    expect(formatCheck(PASS)).toBe("✓ key usage: digitalSignature");
    expect(formatCheck(FAIL)).toBe("✗ validity: the certificate expired — fix: renew it");
    expect(formatCheck(WARN)).toBe("! validity: expires in 3 days — fix: renew it soon");
    expect(formatCheck(SKIP)).toBe("- CreateSession: add --online");
  });

  it("keeps each check on one line even when a message has newlines", () => {
    expect(formatCheck({ status: "fail", check: "x", detail: "a\nb", fix: "c\r\nd" })).toBe("✗ x: a b — fix: c d");
  });

  it("ends with a summary and exits 1 only when a check failed", () => {
    expect(formatChecklist([PASS, WARN, SKIP])).toBe(
      "✓ key usage: digitalSignature\n! validity: expires in 3 days — fix: renew it soon\n- CreateSession: add --online\ndoctor: all checks passed (1 passed, 1 warning, 0 failed, 1 not checked)\n",
    );
    expect(doctorExitCode([PASS, WARN, SKIP])).toBe(0);
    expect(formatChecklist([PASS, FAIL]).trimEnd().split("\n").at(-1)).toBe("doctor: problems found (1 passed, 0 warnings, 1 failed)");
    expect(doctorExitCode([PASS, FAIL])).toBe(1);
  });
});
