/**
 * Constructors for checklist lines, and small formatting helpers shared by the
 * checks. Pure.
 */
import { messageNaming, RolesAnywhereError, settingFlag } from "../errors.js";
import type { CheckResult, Problem } from "./types.js";

/** A passed check. @internal */
export function pass(check: string, detail: string): CheckResult {
  return { status: "pass", check, detail };
}

/** A failed check, with what to do. @internal */
export function fail(check: string, detail: string, fix: string): CheckResult {
  return { status: "fail", check, detail, fix };
}

/** A warning (does not change the exit code), optionally with what to do. @internal */
export function warn(check: string, detail: string, fix?: string): CheckResult {
  return fix === undefined ? { status: "warn", check, detail } : { status: "warn", check, detail, fix };
}

/** A check that could not be made, saying why. @internal */
export function skip(check: string, detail: string): CheckResult {
  return { status: "skip", check, detail };
}

/** A failed check from a loader's problem (its message, and its hint or `fallbackFix`). @internal */
export function failFromProblem(check: string, problem: Problem, fallbackFix: string): CheckResult {
  return fail(check, problem.message, problem.hint ?? fallbackFix);
}

const DAY_MS = 86_400_000;

/** `2025-01-02T03:04:05Z` (no milliseconds). @internal */
export function iso(d: Date | number): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "1 day", "12 days", "less than a day" for a non-negative span. @internal */
export function days(ms: number): string {
  const n = Math.floor(Math.abs(ms) / DAY_MS);
  if (n === 0) return "less than a day";
  return n === 1 ? "1 day" : `${n} days`;
}

/** Whole days in a span (floored), for "N days left". @internal */
export function wholeDays(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** "1 certificate", "3 certificates". @internal */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** An error as a Problem: its message, hint and code. @internal */
export function toProblem(err: unknown): Problem {
  const e = err as { message?: unknown; hint?: unknown; code?: unknown };
  // doctor speaks the CLI's language: a setting is named by its flag.
  const message = err instanceof RolesAnywhereError ? messageNaming(err, settingFlag) : typeof e?.message === "string" ? e.message : String(err);
  const p: Problem = { message };
  if (typeof e?.hint === "string") p.hint = e.hint;
  if (typeof e?.code === "string") p.code = e.code;
  return p;
}
