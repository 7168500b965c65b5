/**
 * A finished direct CreateSession connection never holds a process open: a
 * child process whose server keeps the connection open after a complete answer
 * (as no server should after "Connection: close") still exits at once.
 */
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";
import { requireBuiltCli } from "../integration/credential-process/world.js";

const sockets: Socket[] = [];
const server = createServer((s) => {
  sockets.push(s);
  s.on("error", () => undefined);
  // The whole answer, then the connection stays open.
  s.once("data", () => s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

it("exits right after the answer even when the server keeps the connection open", async () => {
  requireBuiltCli();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const transport = pathToFileURL(join(import.meta.dirname, "../../dist/lib/session/transport.js")).href;
  const script = `
    const { directRequest } = await import(${JSON.stringify(transport)});
    const res = await directRequest({ method: "POST", url: "http://127.0.0.1:${port}/sessions", headers: {}, body: "{}",
      timeoutMs: 5000, tls: { rejectUnauthorized: true }, maxBodyBytes: 1 << 20 });
    let text = ""; for await (const c of res.body) text += Buffer.from(c).toString();
    console.log(res.statusCode, text);`;
  const started = Date.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  const code = await new Promise((r) => child.on("close", r));
  expect(err).toBe("");
  expect(code).toBe(0);
  expect(out).toBe("200 ok\n");
  // A process start and one request take well under 2 s even on a loaded machine; a socket left open would hold it until the test's end.
  expect(Date.now() - started).toBeLessThan(2_000);
});
