/**
 * The GitHub Action's entry (action.yml `runs.main`, bundled by
 * scripts/build-action.mjs into action/dist/index.mjs).
 */
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { runAction } from "./run-action.js";

runAction({
  env: process.env,
  log: (text) => process.stdout.write(text),
  appendFile: (path, text) => appendFileSync(path, text, "utf8"),
  delimiter: () => `ghadelimiter_${randomUUID()}`,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stdout.write(`::error::IAM Roles Anywhere: unexpected error: ${String(err instanceof Error ? err.message : err).replace(/[\r\n%]/g, " ")}\n`);
    process.exitCode = 1;
  },
);
