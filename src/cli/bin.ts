#!/usr/bin/env node
/**
 * The CLI's entry, dist/cli.js: a bundle of its own, kept small, that turns the
 * code cache on (code-cache.ts) before it loads the rest of the CLI
 * (dist/cli-main.js, built from src/cli.ts), so that all of it compiles from
 * the cache. Built by scripts/build.mjs only (CommonJS, `require` is Node's).
 */
import { enableCodeCache } from "./code-cache.js";

enableCodeCache(process.env);
require("./cli-main.js");
