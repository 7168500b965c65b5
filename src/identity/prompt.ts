/**
 * Asks for a password on the controlling terminal (/dev/tty), with echo off,
 * the way the official helper does. stdin and stdout are left alone: stdout
 * carries the command's result and stdin may carry a certificate.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { isatty, ReadStream } from "node:tty";

/**
 * Prompts `Enter password for <what>: ` on /dev/tty and reads one line with
 * echo off (the terminal is put in raw mode and restored afterwards).
 * Resolves undefined, without prompting, when no terminal is attached (CI,
 * services, Windows); also undefined on Ctrl-C or Ctrl-D. The CLI passes this
 * as IdentityIo.promptPassword; the library does not prompt by default.
 * @public
 */
export async function promptPasswordOnTty(what: string, ttyPath = "/dev/tty"): Promise<string | undefined> {
  if (process.platform === "win32") return undefined;
  let fd: number;
  try {
    fd = openSync(ttyPath, "r+");
  } catch {
    return undefined;
  }
  if (!isatty(fd)) {
    closeSync(fd);
    return undefined;
  }
  const input = new ReadStream(fd);
  try {
    // Echo off before the prompt shows, so nothing typed after it is ever echoed.
    input.setRawMode(true);
    writeSync(fd, `Enter password for ${what}: `);
    return await readLine(input);
  } finally {
    try {
      input.setRawMode(false);
      writeSync(fd, "\r\n");
    } catch {
      // the terminal went away; nothing to restore
    }
    input.destroy();
  }
}

/** Reads keystrokes until Enter; Backspace edits, Ctrl-C/Ctrl-D cancel. */
function readLine(input: ReadStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let line = "";
    const done = (value: string | undefined) => {
      input.off("data", onData);
      input.off("end", onEnd);
      input.pause();
      resolve(value);
    };
    const onEnd = () => done(undefined);
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(line);
        if (ch === "\u0003" || ch === "\u0004") return done(undefined);
        if (ch === "\u007f" || ch === "\b") line = [...line].slice(0, -1).join("");
        else if (ch >= " ") line += ch;
      }
    };
    input.on("data", onData);
    input.once("end", onEnd);
  });
}
