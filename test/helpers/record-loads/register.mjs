// `node --import <this file>`: records the URL of every module the process
// imports (ES modules through the public hooks API, CommonJS ones from
// require.cache) and writes them as JSON to $LOADS_REPORT when
// globalThis.reportLoads() is called.
import { writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";

const { port1, port2 } = new MessageChannel();
const urls = new Set();
let flushed;
port1.on("message", (m) => {
  if (m.url) urls.add(m.url);
  if (m.flushed) flushed?.();
});
port1.unref();
register("./hooks.mjs", import.meta.url, { data: { port: port2 }, transferList: [port2] });

globalThis.reportLoads = async () => {
  // Messages on one port arrive in order: the answer to "flush" comes after every URL sent before it.
  await new Promise((resolve) => {
    flushed = resolve;
    port1.ref();
    port1.postMessage("flush");
  });
  port1.unref();
  const required = Object.keys(createRequire(import.meta.url).cache).map((p) => pathToFileURL(p).href);
  writeFileSync(process.env.LOADS_REPORT, JSON.stringify([...new Set([...urls, ...required])]));
};
