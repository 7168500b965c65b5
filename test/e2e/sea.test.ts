/**
 * The single-file executable (scripts/build-sea.mjs, `npm run build:sea`),
 * built here into a temporary directory from the Node.js binary running the
 * tests (so CI checks it on Node.js 20 and on Node.js 24), then run with a PATH
 * that holds only the directory of the executable: no `node` can be found, and
 * no node_modules is near it. Every command runs; credential-process, serve and
 * update get credentials from the emulator.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpArgs, parseOutput, ROLE, run, startWorld, type World } from "../integration/credential-process/world.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const EXE_NAME = `aws_signing_helper-linux-${process.arch}`;
const hasBuildah = spawnSync("buildah", ["--version"], { stdio: "ignore" }).status === 0;
const isRoot = process.getuid?.() === 0;
const buildahNote = !hasBuildah ? " [skipped: buildah is not installed]" : !isRoot ? " [skipped: needs root for buildah's chroot isolation]" : "";
/** dist/native/hoplimit.node from `npm test`'s build: build-sea puts it inside. */
const hasAddon = existsSync(join(root, "dist", "native", "hoplimit.node"));
const supported = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");
const note = supported ? "" : ` [skipped: single-file executables are built for Linux x64/arm64, this is ${process.platform}-${process.arch}]`;

describe.skipIf(!supported)(`the single-file executable (Node.js ${process.versions.node})${note}`, () => {
  let dir: string;
  let bin: string;
  let exe: string;
  let world: World;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sea-"));
    const build = join(dir, "build");
    const r = spawnSync(process.execPath, [join(root, "scripts", "build-sea.mjs"), "--out", build, "--node", process.execPath], {
      encoding: "utf8",
      timeout: 170_000,
    });
    if (r.status !== 0) throw new Error(`build-sea failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    // Only the executable, alone in a directory that is the whole PATH.
    bin = join(dir, "bin");
    mkdirSync(bin);
    exe = join(bin, EXE_NAME);
    copyFileSync(join(build, EXE_NAME), exe);
    spawnSync("chmod", ["755", exe]);
    rmSync(build, { recursive: true, force: true });
    const home = join(dir, "home");
    mkdirSync(home);
    env = { PATH: bin, HOME: home, LANG: "C.UTF-8" };
    world = await startWorld();
  }, 180_000);

  afterAll(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds no node on its PATH", () => {
    for (const d of String(env.PATH).split(delimiter)) expect(existsSync(join(d, "node")), `${d}/node`).toBe(false);
    const r = spawnSync("node", ["--version"], { env });
    expect((r.error as NodeJS.ErrnoException | undefined)?.code).toBe("ENOENT");
  });

  it("answers --version and --help", async () => {
    const v = await run(exe, ["--version"], env);
    expect(v.stdout.split(/[ \n]/)[0]).toBe(pkg.version);
    expect(v.code).toBe(0);
    const h = await run(exe, ["--help"], env);
    expect(h.code).toBe(0);
    for (const cmd of ["credential-process", "serve", "update", "sign-string", "read-certificate-data", "doctor", "emulator"]) expect(h.stdout + h.stderr).toContain(cmd);
  });

  it("runs credential-process against the emulator", async () => {
    const r = await run(exe, cpArgs(world, world.ec), env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseOutput(r.stdout).AccountId).toBe("123456789012");
  });

  it("runs update --once into a credentials file", async () => {
    const file = join(dir, "credentials");
    const args = cpArgs(world, world.rsa).slice(1);
    const r = await run(exe, ["update", ...args, "--profile", "sea", "--once", "--credentials-file", file], env);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^\[sea\]\n/);
    expect(text).toMatch(/aws_access_key_id = ASIA/);
    expect(text).toMatch(/aws_session_token = /);
  });

  it("runs serve: /healthz, and credentials on the container route with the token", async () => {
    const token = join(dir, "token");
    writeFileSync(token, "sea-test-token-0123456789", { mode: 0o600 });
    const tmp = join(dir, "serve-tmp");
    mkdirSync(tmp);
    const child = spawn(exe, ["serve", ...cpArgs(world, world.ec).slice(1), "--port", "0", "--auth-token-file", token, "--hop-limit", "1"], {
      env: { ...env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      const url = (JSON.parse(first) as { url: string }).url;
      expect((await fetch(new URL("/healthz", url))).status).toBe(200);
      const res = await fetch(new URL("/v1/credentials", url), { headers: { Authorization: "sea-test-token-0123456789" } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { AccessKeyId: string; Token: string; Expiration: string };
      expect(body.AccessKeyId).toMatch(/^ASIA/);
      expect(body.Token.length).toBeGreaterThan(20);
      expect((await fetch(new URL("/v1/credentials", url))).status).toBe(401);
      // The probe command the container image's HEALTHCHECK and the Kubernetes exec probes run.
      const ok = await run(exe, ["healthcheck", "--url", new URL("/healthz", url).href], env);
      expect(ok).toEqual({ code: 0, stdout: "", stderr: "" });
      const ready = await run(exe, ["healthcheck", "--url", new URL("/readyz", url).href], env);
      expect(ready.code).toBe(0);
      const missing = await run(exe, ["healthcheck", "--url", new URL("/no-such-route", url).href], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^signing-helper: healthcheck: http:\/\/127\.0\.0\.1:\d+\/no-such-route answered 404\n$/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
    }
    // The hop-limit addon travels inside when the build had made it: then no "not enforced"
    // notice; the copy it loads from is gone at once.
    if (hasAddon) expect(stderr).not.toMatch(/--hop-limit/);
    else expect(stderr).toMatch(/--hop-limit 1 is accepted but not enforced/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("runs the other commands: generate-credential-process-data, read-certificate-data, sign-string, doctor, emulator --help", async () => {
    const out = join(dir, "pki");
    const g = await run(exe, ["generate-credential-process-data", "--out-dir", out], env);
    expect(g.code, g.stderr).toBe(0);
    expect(existsSync(join(out, "client-cert.pem"))).toBe(true);
    const rc = await run(exe, ["read-certificate-data", "--certificate", join(out, "client-cert.pem")], env);
    expect(rc.code, rc.stderr).toBe(0);
    expect(JSON.parse(rc.stdout)).toHaveProperty("certificateData");
    const s = await run(exe, ["sign-string", "--certificate", join(out, "client-cert.pem"), "--private-key", join(out, "client-key.pem")], env);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^"?[0-9a-f]{100,}"?\n?$/);
    const d = await run(exe, ["doctor", "--certificate", world.ec.cert, "--private-key", world.ec.key, "--trust-anchor-arn", world.trustAnchorArn, "--profile-arn", world.profileArn, "--role-arn", ROLE], env);
    expect(d.stdout).toMatch(/✓/);
    const e = await run(exe, ["emulator", "--help"], env);
    expect(e.code).toBe(0);
    const down = await run(exe, ["healthcheck", "--url", "http://127.0.0.1:9/healthz", "--timeout-ms", "2000"], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^signing-helper: healthcheck: http:\/\/127\.0\.0\.1:9\/healthz: .*ECONNREFUSED/);
    const usage = await run(exe, ["healthcheck", "--url", "https://example.invalid/"], env);
    expect(usage.code).toBe(2);
  });

  it("refuses bad input with one line and exit 1 or 2, as the npm package does", async () => {
    const r = await run(exe, ["credential-process", "--certificate", join(dir, "missing.pem")], env);
    expect([1, 2]).toContain(r.code);
    expect(r.stderr).toMatch(/^signing-helper: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // PKCS#11 needs the native package pkcs11js, which cannot be inside the executable: refused clearly.
    const p11 = await run(exe, ["read-certificate-data", "--certificate", "pkcs11:token=none"], env);
    expect(p11.code).toBe(1);
    expect(p11.stderr).toMatch(/^signing-helper: PKCS#11: .*pkcs11js/);
  });
  describe.skipIf(!hasBuildah || !isRoot)(`the container image: Containerfile's final stage built with buildah from this executable${buildahNote}`, () => {
    const IMAGE = "localhost/rolesanywhere-signing-helper:test";
    let storage: string[];

    const buildah = (args: string[], timeout = 120_000) => {
      const r = spawnSync("buildah", [...storage, ...args], { encoding: "utf8", timeout });
      if (r.status !== 0) throw new Error(`buildah ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.slice(-1500)}`);
      return r.stdout;
    };

    beforeAll(() => {
      // A private image store: nothing of the machine's, nothing left behind.
      storage = ["--root", join(dir, "storage"), "--runroot", join(dir, "run"), "--storage-driver", "vfs"];
      // The "build" stage's output, made here by the same script (no base image can be pulled here).
      const ctx = join(dir, "build-stage");
      const r = spawnSync(process.execPath, [join(root, "scripts", "sea-rootfs.mjs"), "--exe", exe, "--out", join(ctx, "rootfs")], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`sea-rootfs failed: ${r.stderr}`);
      const empty = join(dir, "empty-context");
      mkdirSync(empty);
      buildah(["build", "--isolation", "chroot", "--format", "docker", "--build-context", `build=${ctx}`, "-f", join(root, "Containerfile"), "-t", IMAGE, empty], 170_000);
    }, 180_000);

    it("runs as user 65532 with serve as the default command, port 9911 and a health check", () => {
      const info = JSON.parse(buildah(["inspect", "--type", "image", IMAGE])) as {
        Docker: { config: { User: string; Entrypoint: string[]; Cmd: string[]; ExposedPorts: Record<string, unknown>; Env: string[]; Healthcheck?: { Test: string[] } } };
      };
      const c = info.Docker.config;
      expect(c.User).toBe("65532:65532");
      expect(c.Entrypoint).toEqual(["/usr/local/bin/signing-helper"]);
      expect(c.Cmd).toEqual(["serve"]);
      expect(Object.keys(c.ExposedPorts)).toEqual(["9911/tcp"]);
      expect(c.Env).toContain("HOME=/tmp");
      expect(c.Healthcheck?.Test).toEqual(["CMD", "/usr/local/bin/signing-helper", "healthcheck"]);
    });

    it("holds only the executable, its libraries and a few files (no shell)", () => {
      const ctr = buildah(["from", IMAGE]).trim();
      try {
        const mnt = buildah(["mount", ctr]).trim();
        const files = spawnSync("find", [mnt, "-type", "f"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map((f) => f.slice(mnt.length));
        expect(files).toContain("/usr/local/bin/signing-helper");
        expect(files.some((f) => /\/(sh|bash|busybox)$/.test(f))).toBe(false);
        expect(files.filter((f) => !/^\/(lib|lib64)\//.test(f)).sort()).toEqual([
          "/etc/group", "/etc/nsswitch.conf", "/etc/passwd",
          ...files.filter((f) => f.startsWith("/usr/share/doc/")).sort(),
          "/usr/local/bin/signing-helper",
        ].sort());
        buildah(["umount", ctr]);
      } finally {
        buildah(["rm", ctr]);
      }
    });

    it("runs credential-process inside the image, as its user, against the emulator", async () => {
      const pki = join(dir, "image-pki");
      mkdirSync(pki);
      copyFileSync(world.ec.cert, join(pki, "tls.crt"));
      copyFileSync(world.ec.key, join(pki, "tls.key"));
      spawnSync("chown", ["-R", "65532:65532", pki]);
      const ctr = buildah(["from", IMAGE]).trim();
      try {
        const args = cpArgs(world, world.ec).map((a) => (a === world.ec.cert ? "/pki/tls.crt" : a === world.ec.key ? "/pki/tls.key" : a));
        // Asynchronously: the emulator answers from this process's event loop.
        const r = await run("buildah", [...storage, "run", "--isolation", "chroot", "--network", "host", "-v", `${pki}:/pki:ro`, ctr, "--", "/usr/local/bin/signing-helper", ...args], process.env, 60_000);
        expect(r.stderr).toBe("");
        expect(parseOutput(r.stdout).AccountId).toBe("123456789012");
      } finally {
        buildah(["rm", ctr]);
      }
    });
  });
});
