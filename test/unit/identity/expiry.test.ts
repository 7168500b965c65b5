import { describe, expect, it } from "vitest";
import { certificateExpiryLine, certificateExpiryWarning } from "../../../src/identity/expiry.js";

const NOW = Date.UTC(2030, 5, 1, 0, 0, 0);
const DAY = 86_400_000;
const at = (ms: number) => new Date(NOW + ms);

describe("certificateExpiryWarning", () => {
  it("stays quiet with more than 30 days left", () => {
    expect(certificateExpiryWarning(at(30 * DAY + 1), NOW)).toEqual({ warn: false, daysLeft: 30 });
  });

  it("warns with exactly 30 days left, naming the date", () => {
    expect(certificateExpiryWarning(at(30 * DAY), NOW)).toEqual({
      warn: true,
      daysLeft: 30,
      expired: false,
      message: "certificate expires soon: 30 days left (notAfter 2030-07-01T00:00:00Z)",
      hint: "renew the certificate and replace its file; it is read again at every refresh",
    });
  });

  it("says 1 day and less than a day", () => {
    expect(certificateExpiryWarning(at(DAY + 5000), NOW)).toMatchObject({ message: "certificate expires soon: 1 day left (notAfter 2030-06-02T00:00:05Z)" });
    expect(certificateExpiryWarning(at(3_600_000), NOW)).toMatchObject({
      daysLeft: 0,
      message: "certificate expires soon: less than a day left (notAfter 2030-06-01T01:00:00Z)",
    });
  });

  it("reports an expired certificate as expired", () => {
    expect(certificateExpiryWarning(at(-2 * DAY), NOW)).toMatchObject({
      warn: true,
      expired: true,
      daysLeft: -2,
      message: "certificate expired: its notAfter was 2030-05-30T00:00:00Z",
    });
    expect(certificateExpiryWarning(at(0), NOW)).toMatchObject({ expired: true });
  });

  it("takes a threshold and a label", () => {
    expect(certificateExpiryWarning(at(10 * DAY), NOW, { thresholdDays: 7 }).warn).toBe(false);
    expect(certificateExpiryWarning(at(5 * DAY), NOW, { thresholdDays: 7, label: "certificate serial 42" })).toMatchObject({
      message: "certificate serial 42 expires soon: 5 days left (notAfter 2030-06-06T00:00:00Z)",
    });
  });
});

describe("certificateExpiryLine (the credential fetcher's warning)", () => {
  const DAY = 86_400_000;
  const NOW = Date.UTC(2030, 5, 15, 12, 0, 0);

  it("says an expired certificate expired (not 'expires in 0 day(s)')", () => {
    expect(certificateExpiryLine("42", NOW - DAY, NOW)).toBe("warning: certificate serial 42 expired: its notAfter was 2030-06-14T12:00:00Z; renew it");
  });

  it("counts the days left of a certificate that expires soon", () => {
    expect(certificateExpiryLine("42", NOW + 4 * DAY + 3600_000, NOW)).toBe(
      "warning: certificate serial 42 expires soon: 4 days left (notAfter 2030-06-19T13:00:00Z); renew it",
    );
    expect(certificateExpiryLine("7", NOW + 3600_000, NOW)).toBe(
      "warning: certificate serial 7 expires soon: less than a day left (notAfter 2030-06-15T13:00:00Z); renew it",
    );
  });
});
