import { describe, expect, it } from "vitest";
import { certificateExpiryLine } from "../../../src/provider/credential-fetcher.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 5, 15, 12, 0, 0);

describe("certificateExpiryLine", () => {
  it("says an expired certificate expired (not 'expires in 0 day(s)')", () => {
    const line = certificateExpiryLine("42", NOW - DAY, NOW);
    expect(line).toBe("warning: certificate serial 42 expired: its notAfter was 2030-06-14T12:00:00Z; renew it");
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
