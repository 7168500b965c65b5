/**
 * The Kubernetes sidecar example's own command line and probes, run for real
 * with the built CLI (the image's entrypoint is the same program): its `args`
 * with the ConfigMap's $(VAR)s replaced by the emulator's ARNs and the mount
 * paths by temporary directories, plus `--endpoint` (the emulator) and a free
 * port instead of 9911; then each probe's exec command, and the app
 * container's environment used by the AWS SDK's container provider.
 */
import { fromHttp } from "@aws-sdk/credential-providers";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CLI, requireBuiltCli, ROLE, run, startWorld, type World } from "../integration/credential-process/world.js";

const root = join(import.meta.dirname, "../..");

interface Container {
  image: string;
  args?: string[];
  env?: { name: string; value: string }[];
  readinessProbe?: { exec?: { command: string[] } };
  livenessProbe?: { exec?: { command: string[] } };
  startupProbe?: { exec?: { command: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}

const docs = parseAllDocuments(readFileSync(join(root, "deploy", "kubernetes", "sidecar.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; spec?: { template: { spec: { containers: Container[] } } } });
const containers = docs.find((d) => d.kind === "Deployment")!.spec!.template.spec.containers;
const sidecar = containers.find((c) => c.image.startsWith("rolesanywhere-signing-helper:"))!;
const app = containers.find((c) => c !== sidecar)!;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("the Kubernetes sidecar example, run", () => {
  let world: World;
  let dir: string;
  let port: number;
  /** Mount path in the pod → directory here. */
  const mounts = new Map<string, string>();
  const local = (s: string) => {
    for (const [from, to] of mounts) if (s.startsWith(`${from}/`)) return to + s.slice(from.length);
    return s.replace(/:9911\//, `:${port}/`);
  };
  let child: ReturnType<typeof spawn> | undefined;
  let stderr = "";

  beforeAll(async () => {
    requireBuiltCli();
    world = await startWorld();
    dir = mkdtempSync(join(tmpdir(), "k8s-sidecar-"));
    port = await freePort();
    for (const m of sidecar.volumeMounts ?? []) {
      const d = join(dir, m.name);
      mkdirSync(d, { recursive: true, mode: 0o700 });
      mounts.set(m.mountPath, d);
    }
    // What the Secrets would hold: tls.crt / tls.key, and the token (no trailing newline, mode 0600).
    copyFileSync(world.ec.cert, join(mounts.get("/etc/roles-anywhere/tls")!, "tls.crt"));
    copyFileSync(world.ec.key, join(mounts.get("/etc/roles-anywhere/tls")!, "tls.key"));
    writeFileSync(join(mounts.get("/var/run/roles-anywhere")!, "token"), "k8s-example-token-0123456789abcdef", { mode: 0o600 });
    const vars: Record<string, string> = { TRUST_ANCHOR_ARN: world.trustAnchorArn, PROFILE_ARN: world.profileArn, ROLE_ARN: ROLE };
    const args = sidecar.args!.map((a) => local(a.replace(/\$\((\w+)\)/g, (_, v: string) => vars[v]!)));
    child = spawn(process.execPath, [CLI, ...args, "--endpoint", world.emu.endpoint, "--port", String(port)], {
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once("line", resolve);
      child!.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child!.once("close", r));
    }
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes its startup, readiness and liveness exec probes", async () => {
    for (const probe of [sidecar.startupProbe, sidecar.readinessProbe, sidecar.livenessProbe]) {
      const [bin, ...args] = probe!.exec!.command;
      expect(bin).toBe("/usr/local/bin/signing-helper");
      const r = await run(process.execPath, [CLI, ...args.map(local)], { PATH: process.env.PATH ?? "" });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    }
  });

  it("gives the app container's AWS SDK credentials from its environment", async () => {
    const env = Object.fromEntries((app.env ?? []).map((e) => [e.name, local(e.value)]));
    const saved = { ...process.env };
    try {
      process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
      const c = await fromHttp({ maxRetries: 0, timeout: 5000 })();
      expect(c.accessKeyId).toMatch(/^ASIA/);
      expect(c.sessionToken?.length).toBeGreaterThan(20);
    } finally {
      process.env = saved;
    }
  });

  it("answers nothing on the IMDS routes (--routes container: the token is the only way in)", async () => {
    const r = await fetch(`http://127.0.0.1:${port}/latest/api/token`, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" } });
    expect(r.status).not.toBe(200);
  });
});
