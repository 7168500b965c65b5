/**
 * The checklist as text: one line per check, `✓ check: detail`,
 * `✗ check: what is wrong — fix: what to do`, `! check: warning`,
 * `- check: why it was not checked`; then a summary line. Pure.
 */
import { summarize } from "./evaluate.js";
import type { CheckResult } from "./types.js";

/** The mark of each status. @public */
export const STATUS_MARKS = { pass: "✓", fail: "✗", warn: "!", skip: "-" } as const;

function oneLine(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, " ").trim();
}

/** ANSI colours of the marks, for a terminal. */
const COLOURS = { pass: "32", fail: "31", warn: "33", skip: "2" } as const;

/** Options of the text checklist. @public */
export interface ChecklistOptions {
  /** Colour the marks (only for a terminal, and never when NO_COLOR is set: the caller decides). */
  color?: boolean;
}

/** One checklist line (no newline). @public */
export function formatCheck(r: CheckResult, opts: ChecklistOptions = {}): string {
  const fix = r.fix && (r.status === "fail" || r.status === "warn") ? ` — fix: ${oneLine(r.fix)}` : "";
  const mark = opts.color ? `\x1b[${COLOURS[r.status]}m${STATUS_MARKS[r.status]}\x1b[0m` : STATUS_MARKS[r.status];
  return `${mark} ${r.check}: ${oneLine(r.detail)}${fix}`;
}

/**
 * The whole checklist, one line per check; then, when something failed, the
 * failures again under "to fix", so they are not lost among the passes; then a
 * summary line. Ends in a newline. @public
 */
export function formatChecklist(results: readonly CheckResult[], opts: ChecklistOptions = {}): string {
  const s = summarize(results);
  const parts = [`${s.passed} passed`, `${s.warnings} warning${s.warnings === 1 ? "" : "s"}`, `${s.failed} failed`];
  if (s.skipped) parts.push(`${s.skipped} not checked`);
  const verdict = s.failed ? "problems found" : "all checks passed";
  const failures = results.filter((r) => r.status === "fail");
  const recap = failures.length ? [`to fix (${failures.length}):`, ...failures.map((r) => `  ${formatCheck(r, opts)}`)] : [];
  return [...results.map((r) => formatCheck(r, opts)), ...recap, `doctor: ${verdict} (${parts.join(", ")})`].join("\n") + "\n";
}

/** The checklist as one JSON object (`doctor --json`), ending in a newline. @public */
export function formatChecklistJson(results: readonly CheckResult[]): string {
  const s = summarize(results);
  return JSON.stringify({ ok: s.failed === 0, summary: s, checks: results }) + "\n";
}
