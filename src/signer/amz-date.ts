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
  // From the UTC fields, not toISOString(): its first call loads the local time
  // zone (a file read and parse) that a UTC timestamp never needs.
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new RolesAnywhereError("CONFIG", `signing date: year out of range in ${date.toISOString()}`, {
      hint: "pass a date between the years 0000 and 9999",
    });
  }
  const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
  const ymd = `${String(year).padStart(4, "0")}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}`;
  return `${ymd}T${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
}

/**
 * The date part (`YYYYMMDD`) of an X-Amz-Date value.
 * @public
 */
export function shortDate(amzDate: string): string {
  return amzDate.slice(0, 8);
}
