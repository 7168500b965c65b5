/**
 * The container recipe and the Kubernetes examples, checked for shape (no
 * cluster here): the YAML parses; every container of ours uses this version's
 * image and runs `serve` with flags serve really has; ports, probes and
 * volumes fit together (the image's HEALTHCHECK and the probes use routes and
 * the command that exist); the security settings match the image (user 65532,
 * read-only root, no privilege). The image itself is built and run in
 * test/e2e/sea.test.ts where buildah is installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { command as serve } from "../../src/cli/commands/serve.js";
import { commands } from "../../src/cli/commands/index.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const IMAGE = `${pkg.name}:${pkg.version}`;
const BIN = "/usr/local/bin/signing-helper";

interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: unknown }[];
  securityContext?: Record<string, unknown>;
}
interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    selector?: { matchLabels?: Record<string, string> } & Record<string, unknown>;
    ports?: { port: number; targetPort: string | number }[];
  };
}

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(root, "deploy", "kubernetes", file), "utf8"));
  for (const d of docs) expect(d.errors, file).toEqual([]);
  return docs.map((d) => d.toJS() as Doc);
}

const serveFlags = new Set(serve.flags.map((f) => `--${f.name}`));

/** The flag → value pairs of a `serve` argument list (every flag of serve here takes a value). */
function flagValues(args: string[]): Map<string, string> {
  expect(args[0]).toBe("serve");
  const out = new Map<string, string>();
  for (let i = 1; i < args.length; i += 2) {
    expect(serveFlags, `serve has ${args[i]}`).toContain(args[i]);
    expect(args[i + 1], `${args[i]} has a value`).toBeDefined();
    out.set(args[i]!, args[i + 1]!);
  }
  return out;
}

function ours(spec: PodSpec): Container {
  const c = spec.containers.filter((x) => x.image.startsWith(`${pkg.name}:`));
  expect(c).toHaveLength(1);
  return c[0]!;
}

/** Checks what every container of ours needs and returns its serve flags. */
function checkOurContainer(spec: PodSpec, configMaps: Doc[]): Map<string, string> {
  const c = ours(spec);
  expect(c.image).toBe(IMAGE);
  const flags = flagValues(c.args ?? []);
  for (const f of ["--certificate", "--private-key", "--trust-anchor-arn", "--profile-arn", "--role-arn", "--auth-token-file"]) expect(flags.has(f), f).toBe(true);
  // $(VAR) references resolve from the ConfigMap the container loads.
  const vars = new Set(configMaps.filter((m) => c.envFrom?.some((e) => e.configMapRef?.name === m.metadata.name)).flatMap((m) => Object.keys(m.data ?? {})));
  for (const v of flags.values()) for (const m of v.matchAll(/\$\((\w+)\)/g)) expect(vars, `${m[1]} comes from a ConfigMap`).toContain(m[1]);
  // Files it reads are under its mounts; mounts name volumes that exist.
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  for (const m of c.volumeMounts ?? []) expect(volumes, m.name).toContain(m.name);
  for (const f of ["--certificate", "--private-key", "--auth-token-file"]) {
    expect((c.volumeMounts ?? []).some((m) => flags.get(f)!.startsWith(`${m.mountPath}/`) && m.readOnly === true), `${f} is on a read-only mount`).toBe(true);
  }
  expect((c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")).toBe(true);
  // The image's user, a read-only root and no privileges; the key readable through the fsGroup.
  expect(c.securityContext).toMatchObject({ runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 65532 });
  for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe).toBeDefined();
  return flags;
}

describe("Kubernetes sidecar example", () => {
  const docs = load("sidecar.yaml");
  const configMaps = docs.filter((d) => d.kind === "ConfigMap");
  const deployment = docs.find((d) => d.kind === "Deployment")!;
  const spec = deployment.spec!.template!.spec;

  it("runs serve on loopback next to the app, probed by the healthcheck command", () => {
    const flags = checkOurContainer(spec, configMaps);
    expect(flags.has("--bind")).toBe(false);
    expect(flags.has("--port")).toBe(false);
    expect(flags.get("--routes")).toBe("container");
    const c = ours(spec);
    expect(Object.keys(commands)).toContain("healthcheck");
    expect(c.readinessProbe!.exec!.command).toEqual([BIN, "healthcheck", "--url", "http://127.0.0.1:9911/readyz"]);
    expect(c.startupProbe!.exec!.command).toEqual([BIN, "healthcheck", "--url", "http://127.0.0.1:9911/readyz"]);
    expect(c.livenessProbe!.exec!.command).toEqual([BIN, "healthcheck", "--url", "http://127.0.0.1:9911/healthz"]);
  });

  it("points the app's SDK at the container route with the same token file", () => {
    const app = spec.containers.find((c) => c !== ours(spec))!;
    const env = Object.fromEntries((app.env ?? []).map((e) => [e.name, e.value]));
    expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe("http://127.0.0.1:9911/v1/credentials");
    const tokenFile = flagValues(ours(spec).args!).get("--auth-token-file")!;
    expect(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).toBe(tokenFile);
    const sidecarMount = ours(spec).volumeMounts!.find((m) => tokenFile.startsWith(`${m.mountPath}/`))!;
    expect(app.volumeMounts!.find((m) => m.name === sidecarMount.name)?.mountPath).toBe(sidecarMount.mountPath);
  });
});

describe("Kubernetes Deployment behind a Service", () => {
  const docs = load("service.yaml");
  const configMaps = load("sidecar.yaml").filter((d) => d.kind === "ConfigMap");
  const deployment = docs.find((d) => d.kind === "Deployment")!;
  const service = docs.find((d) => d.kind === "Service")!;
  const spec = deployment.spec!.template!.spec;

  it("binds every address with a token, and kubelet probes /healthz and /readyz over http", () => {
    const flags = checkOurContainer(spec, configMaps);
    expect(flags.get("--bind")).toBe("0.0.0.0");
    const c = ours(spec);
    expect(c.ports).toEqual([{ name: "credentials", containerPort: 9911, protocol: "TCP" }]);
    expect(c.livenessProbe!.httpGet).toEqual({ path: "/healthz", port: "credentials" });
    expect(c.readinessProbe!.httpGet).toEqual({ path: "/readyz", port: "credentials" });
  });

  it("has a Service that selects the pods and targets the container port", () => {
    expect(service.spec!.selector).toEqual(deployment.spec!.template!.metadata.labels);
    expect(service.spec!.ports).toEqual([{ name: "credentials", port: 9911, targetPort: "credentials", protocol: "TCP" }]);
    expect(docs.some((d) => d.kind === "NetworkPolicy")).toBe(true);
  });
});

describe("Containerfile", () => {
  const text = readFileSync(join(root, "Containerfile"), "utf8");

  it("is multi-stage, ends FROM scratch as user 65532 with serve, port 9911 and a health check", () => {
    expect([...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(["node:24-bookworm", "scratch"]);
    expect(text).toMatch(/^COPY --from=build \/rootfs\/ \/$/m);
    expect(text).toMatch(/^USER 65532:65532$/m);
    expect(text).toMatch(/^EXPOSE 9911$/m);
    expect(text).toMatch(new RegExp(`^HEALTHCHECK .*CMD \\["${BIN}", "healthcheck"\\]$`, "m"));
    expect(text).toMatch(new RegExp(`^ENTRYPOINT \\["${BIN}"\\]$`, "m"));
    expect(text).toMatch(/^CMD \["serve"\]$/m);
  });

  it("runs scripts that exist, and its context leaves out local installs and builds", () => {
    for (const m of text.matchAll(/node (scripts\/[\w.-]+)/g)) expect(existsSync(join(root, m[1]!)), m[1]).toBe(true);
    for (const f of [".containerignore", ".dockerignore"]) {
      const lines = readFileSync(join(root, f), "utf8").split("\n");
      for (const entry of ["node_modules", "dist", ".git"]) expect(lines, `${f} has ${entry}`).toContain(entry);
    }
  });
});
