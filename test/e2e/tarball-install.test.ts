/**
 * The install story of the npm package, as a user meets it: `npm pack` of the
 * built tree (dist/ from `npm test`'s build; `--ignore-scripts` so the test
 * never builds), then an install of that tarball into an empty directory with
 * no network (a network namespace with no interfaces where `unshare` works,
 * and in any case `--offline` with dead proxies) and no clone beside it. The
 * runtime dependencies come from the machine's npm cache, pinned by a lockfile
 * made from the project's own (the versions `npm ci` put there). Then the
 * installed bin answers `--version` and gets credentials from the emulator,
 * and the library loads by its name both as an ES module (import) and from
 * CommonJS (require of an ES module, Node.js 20.19+), and works.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpArgs, parseOutput, requireBuiltCli, ROLE, run, startWorld, type World } from "../integration/credential-process/world.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
};
const DEAD_PROXY = "http://127.0.0.1:9/";

interface LockEntry {
  dev?: boolean;
  [k: string]: unknown;
}

/** npm with an environment that holds only what it needs: no npm_* variables of the `npm test` that runs us. */
function npmEnv(): NodeJS.ProcessEnv {
  const cache = execFileSync("npm", ["config", "get", "cache"], { cwd: root, encoding: "utf8" }).trim();
  return {
    PATH: [dirname(process.execPath), process.env.PATH ?? "/usr/bin:/bin"].join(delimiter),
    HOME: process.env.HOME ?? tmpdir(),
    npm_config_cache: cache,
    npm_config_update_notifier: "false",
  };
}

/**
 * The `unshare` flags that run a command in a fresh network namespace (no
 * interface up, not even loopback), if any work here: `-n` as root, `-rn` (a
 * user namespace) otherwise.
 */
function unshareNet(): string[] | undefined {
  return [["-n"], ["-rn"]].find((flags) => spawnSync("unshare", [...flags, "true"], { stdio: "ignore" }).status === 0);
}

describe("the npm tarball", () => {
  let dir: string;
  let tgz: string;
  let files: string[];
  let app: string;
  let installLog: string;
  let world: World;

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), "tarball-"));
    const env = npmEnv();
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    ) as { filename: string; files: { path: string }[] }[];
    tgz = join(dir, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);

    // An empty project that depends on the tarball, with a lockfile pinning the
    // runtime dependencies to the versions of the project's lockfile.
    app = join(dir, "app");
    mkdirSync(app);
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const integrity = `sha512-${execFileSync(process.execPath, ["-e", `process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(${JSON.stringify(tgz)})).digest("base64"))`], { encoding: "utf8" })}`;
    const spec = `file:../${packed[0]!.filename}`;
    const packages: Record<string, unknown> = {
      "": { name: "app", version: "1.0.0", dependencies: { [pkg.name]: spec } },
      [`node_modules/${pkg.name}`]: {
        version: pkg.version,
        resolved: spec,
        integrity,
        license: pkg.license,
        dependencies: pkg.dependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
    };
    for (const [path, entry] of Object.entries(lock.packages)) if (path !== "" && entry.dev !== true) packages[path] = entry;
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, dependencies: { [pkg.name]: spec } }));
    writeFileSync(join(app, "package-lock.json"), JSON.stringify({ name: "app", version: "1.0.0", lockfileVersion: 3, requires: true, packages }));

    const npmArgs = ["ci", "--offline", "--no-audit", "--no-fund", "--foreground-scripts", "--proxy", DEAD_PROXY, "--https-proxy", DEAD_PROXY];
    const flags = unshareNet();
    const r = flags !== undefined
      ? spawnSync("unshare", [...flags, "npm", ...npmArgs], { cwd: app, env, encoding: "utf8", timeout: 120_000 })
      : spawnSync("npm", npmArgs, { cwd: app, env, encoding: "utf8", timeout: 120_000 });
    installLog = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`npm ci of the tarball failed (exit ${r.status}): ${installLog.slice(-2000)}`);
    world = await startWorld();
  }, 180_000);

  afterAll(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("holds the built CLI and library with declarations, LICENSE, README and the emulator's config documentation, and no sources or tests", () => {
    for (const f of ["LICENSE", "README.md", "package.json", "src/emulator/README.md", "dist/cli.js", "dist/lib/index.js", "dist/lib/index.d.ts"]) {
      expect(files, f).toContain(f);
    }
    for (const sub of ["provider", "emulator", "pki"]) expect(files).toContain(`dist/lib/${sub}/index.d.ts`);
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    const unexpected = files.filter((f) => /^(test|fixtures|native|docs)\//.test(f) || (f.startsWith("src/") && f !== "src/emulator/README.md") || /\.ts$/.test(f) && !f.endsWith(".d.ts"));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => f.startsWith("dist/sea/")), "the single-file executable is not packed").toEqual([]);
    expect(files.filter((f) => f.startsWith("dist/lib/action/")), "the GitHub Action's modules (it runs from action/dist) are not packed").toEqual([]);
  });

  it("runs no lifecycle script on install, and every script that could run on an installed package is shipped", () => {
    const installed = JSON.parse(readFileSync(join(app, "node_modules", pkg.name, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    const scripts = installed.scripts ?? {};
    for (const name of ["preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"]) {
      const script = scripts[name];
      if (script === undefined) continue;
      for (const m of script.matchAll(/\b(scripts\/[\w./-]+|dist\/[\w./-]+)/g)) expect(files, `${name} runs ${m[1]}`).toContain(m[1]);
    }
    // --foreground-scripts prints every script npm runs; none ran for the package.
    expect(installLog).not.toMatch(new RegExp(`${pkg.name}@${pkg.version} (preinstall|install|postinstall|prepare)`));
    // The shipped prepare does nothing outside a clone (no src/ beside it).
    const prepare = spawnSync(process.execPath, [join(app, "node_modules", pkg.name, "scripts", "build-in-clone.mjs")], { encoding: "utf8" });
    expect(prepare.status).toBe(0);
    expect(prepare.stdout + prepare.stderr).toBe("");
    expect(existsSync(join(app, "node_modules", pkg.name, "dist", "cli.js"))).toBe(true);
  });

  it("installs the bins: signing-helper --version, and credential-process against the emulator", async () => {
    const env = { PATH: [join(app, "node_modules", ".bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter), HOME: dir, LANG: "C.UTF-8" };
    for (const bin of Object.keys(pkg.bin)) {
      const v = await run(join(app, "node_modules", ".bin", bin), ["--version"], env);
      expect(v.stdout.split(/[ \n]/)[0]).toBe(pkg.version);
      expect(v.code).toBe(0);
    }
    const r = await run(join(app, "node_modules", ".bin", "signing-helper"), cpArgs(world, world.ec), env, 60_000, app);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseOutput(r.stdout).AccountId).toBe("123456789012");
  });

  const useLibrary = (loader: string) => `
    const { trustAnchorArn, profileArn, roleArn, endpoint, cert, key } = JSON.parse(process.argv[2]);
    const fs = require("node:fs");
    ${loader}
    const provider = lib.fromRolesAnywhere({ certificate: fs.readFileSync(cert, "utf8"), privateKey: fs.readFileSync(key, "utf8"), trustAnchorArn, profileArn, roleArn, endpoint, env: {} });
    provider().then((c) => {
      process.stdout.write(JSON.stringify({ exports: ["startEmulator", "createRootCa"].map((n) => typeof (n === "startEmulator" ? emulator : pki)[n]), accountId: c.accountId, expires: c.expiration instanceof Date }));
    });`;

  const worldArgs = () =>
    JSON.stringify({ trustAnchorArn: world.trustAnchorArn, profileArn: world.profileArn, roleArn: ROLE, endpoint: world.emu.endpoint, cert: world.ec.cert, key: world.ec.key });

  it("loads as an ES module by its name (import) and makes credentials", async () => {
    writeFileSync(
      join(app, "esm.mjs"),
      `import { createRequire } from "node:module"; const require = createRequire(import.meta.url);
       const lib = await import("${pkg.name}"); const emulator = await import("${pkg.name}/emulator"); const pki = await import("${pkg.name}/pki");
       ${useLibrary("")}`,
    );
    const r = await run(process.execPath, [join(app, "esm.mjs"), worldArgs()], { PATH: process.env.PATH ?? "", HOME: dir }, 60_000, app);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ exports: ["function", "function"], accountId: "123456789012", expires: true });
  });

  it("loads from CommonJS by its name (require) and makes credentials", async () => {
    writeFileSync(
      join(app, "cjs.cjs"),
      useLibrary(`const lib = require("${pkg.name}"); const emulator = require("${pkg.name}/emulator"); const pki = require("${pkg.name}/pki"); require("${pkg.name}/provider");`),
    );
    const r = await run(process.execPath, [join(app, "cjs.cjs"), worldArgs()], { PATH: process.env.PATH ?? "", HOME: dir }, 60_000, app);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ exports: ["function", "function"], accountId: "123456789012", expires: true });
  });
});
