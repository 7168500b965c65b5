// Main script of the single-file executable when it is built with a start-up
// snapshot (scripts/build-sea.mjs --snapshot). Run once at build time: it loads
// the CLI and the modules a fresh credential-process needs, then V8 saves the
// heap; at run time the executable starts from that heap and only calls the
// function given to setDeserializeMainFunction.
import { startupSnapshot } from "node:v8";
import { main, programName } from "../src/cli/main.js";
import "../src/cli/commands/credential-process.js";
import "../src/credentials/fetcher.js";
import "../src/credentials/fetch-steps.js";
import "../src/session/config.js";
import "../src/identity/index.js";

startupSnapshot.setDeserializeMainFunction(() => {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${programName()}: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
});
