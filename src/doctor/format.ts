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

/** One checklist line (no newline). @public */
export function formatCheck(r: CheckResult): string {
  const fix = r.fix && (r.status === "fail" || r.status === "warn") ? ` — fix: ${oneLine(r.fix)}` : "";
  return `${STATUS_MARKS[r.status]} ${r.check}: ${oneLine(r.detail)}${fix}`;
}

/** The whole checklist, one line per check and a summary line, ending in a newline. @public */
export function formatChecklist(results: readonly CheckResult[]): string {
  const s = summarize(results);
  const parts = [`${s.passed} passed`, `${s.warnings} warning${s.warnings === 1 ? "" : "s"}`, `${s.failed} failed`];
  if (s.skipped) parts.push(`${s.skipped} not checked`);
  const verdict = s.failed ? "problems found" : "all checks passed";
  return [...results.map(formatCheck), `doctor: ${verdict} (${parts.join(", ")})`].join("\n") + "\n";
}
