/**
 * Certificate expiry: the one decision (warn from 30 days before notAfter) and
 * the one message, used by credential-process, serve, update and the provider
 * (through the credential fetcher) and by doctor. Pure: the time comes in.
 */
const DAY_MS = 86_400_000;

/** Certificates with this many days or fewer left get a warning. @public */
export const EXPIRY_WARNING_DAYS = 30;

/** Whether to warn about a certificate close to (or past) its `notAfter`. @public */
export type CertificateExpiryWarning =
  | { warn: false; daysLeft: number }
  | {
      warn: true;
      /** Whole days left (floored); negative once expired. */
      daysLeft: number;
      expired: boolean;
      /** One line, "<what>: <why>" style, no secret. */
      message: string;
      hint: string;
    };

/**
 * Decides whether a certificate is within `thresholdDays` (default 30) of its
 * `notAfter` and, if so, gives the warning text. Pure: the time comes in as `now`.
 * @param notAfter - the certificate's notAfter.
 * @param now - milliseconds since the epoch.
 * @param opts.thresholdDays - warn when this many days or fewer remain (default 30).
 * @param opts.label - how to name the certificate in the message (default "certificate").
 * @public
 */
export function certificateExpiryWarning(
  notAfter: Date,
  now: number,
  opts: { thresholdDays?: number; label?: string } = {},
): CertificateExpiryWarning {
  const threshold = opts.thresholdDays ?? EXPIRY_WARNING_DAYS;
  const label = opts.label ?? "certificate";
  const leftMs = notAfter.getTime() - now;
  const daysLeft = Math.floor(leftMs / DAY_MS);
  if (leftMs > threshold * DAY_MS) return { warn: false, daysLeft };
  const when = notAfter.toISOString().replace(/\.\d{3}Z$/, "Z");
  const hint = "renew the certificate and replace its file; it is read again at every refresh";
  if (leftMs <= 0) {
    return { warn: true, daysLeft, expired: true, message: `${label} expired: its notAfter was ${when}`, hint };
  }
  const left = daysLeft === 0 ? "less than a day" : daysLeft === 1 ? "1 day" : `${daysLeft} days`;
  return { warn: true, daysLeft, expired: false, message: `${label} expires soon: ${left} left (notAfter ${when})`, hint };
}

/**
 * The one-line warning of the credential fetcher for a certificate within 30
 * days of (or past) its notAfter, or undefined when there is nothing to say:
 * "expires soon: N days left" before, "expired" after (never "expires in 0
 * days" for an expired one). The threshold is certificateExpiryWarning's. Pure.
 * @internal
 */
export function certificateExpiryLine(serialDecimal: string, notAfterMs: number, nowMs: number): string | undefined {
  const w = certificateExpiryWarning(new Date(notAfterMs), nowMs, { label: `certificate serial ${serialDecimal}` });
  return w.warn ? `warning: ${w.message}; renew it` : undefined;
}
