import { RolesAnywhereError } from "../errors.js";

/**
 * Formats a date as an X-Amz-Date value, `YYYYMMDD'T'HHMMSS'Z'` in UTC, second
 * granularity (milliseconds are dropped, never rounded up).
 * @throws RolesAnywhereError (CONFIG) when the date is invalid.
 * @public
 */
export function formatAmzDate(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RolesAnywhereError("CONFIG", "signing date: not a valid date", {
      hint: "pass a valid Date as signingDate",
    });
  }
  const iso = date.toISOString(); // 2024-07-06T14:30:04.123Z (or ±YYYYYY-… beyond year 9999)
  if (!/^\d{4}-/.test(iso)) {
    throw new RolesAnywhereError("CONFIG", `signing date: year out of range in ${iso}`, {
      hint: "pass a date between the years 0000 and 9999",
    });
  }
  return iso.replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/**
 * The date part (`YYYYMMDD`) of an X-Amz-Date value.
 * @public
 */
export function shortDate(amzDate: string): string {
  return amzDate.slice(0, 8);
}
