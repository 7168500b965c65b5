// Lays out the root file system of the container image (the final stage of
// Containerfile, FROM scratch): the single-file executable and only what it
// needs to run, nothing else (no shell, no package manager).
//
//   node scripts/sea-rootfs.mjs --exe dist/sea/aws_signing_helper-linux-x64 --out DIR
//
//   DIR/usr/local/bin/signing-helper        the executable (aws_signing_helper: a link to it)
//   DIR/lib/…, DIR/lib64/…                  every shared library `ldd` names (glibc, libstdc++, libgcc_s)
//   DIR/etc/passwd, DIR/etc/group           root and the unprivileged user 65532 (nonroot)
//   DIR/etc/nsswitch.conf                   host names from /etc/hosts, then DNS
//   DIR/tmp                                 mode 1777 (mount an emptyDir there with a read-only root)
//   DIR/usr/share/doc/rolesanywhere-signing-helper/LICENSE (and Node.js's licence when found)
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({ options: { exe: { type: "string" }, out: { type: "string" }, "node-license": { type: "string" } } });
if (!opts.exe || !opts.out) {
  console.error("usage: node scripts/sea-rootfs.mjs --exe PATH --out DIR [--node-license FILE]");
  process.exit(2);
}
const exe = resolve(opts.exe);
const out = resolve(opts.out);

/** The absolute paths of the shared libraries and the loader that `ldd` lists for `file`. */
function lddPaths(file) {
  const r = spawnSync("ldd", [file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ldd ${file} failed: ${(r.stderr || r.stdout).trim()}`);
  const paths = [];
  for (const line of r.stdout.split("\n")) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]);
  }
  return paths;
}

rmSync(out, { recursive: true, force: true });
const put = (rel) => {
  const p = join(out, rel);
  mkdirSync(dirname(p), { recursive: true });
  return p;
};

const bin = put("usr/local/bin/signing-helper");
copyFileSync(exe, bin);
chmodSync(bin, 0o755);
symlinkSync("signing-helper", join(out, "usr/local/bin/aws_signing_helper"));

for (const lib of lddPaths(exe)) {
  // The file itself, at the path the loader looks for (no symbolic links needed).
  copyFileSync(realpathSync(lib), put(lib.slice(1)));
}

writeFileSync(put("etc/passwd"), "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n");
writeFileSync(put("etc/group"), "root:x:0:\nnonroot:x:65532:\n");
writeFileSync(put("etc/nsswitch.conf"), "hosts: files dns\n");
mkdirSync(join(out, "tmp"), { recursive: true });
chmodSync(join(out, "tmp"), 0o1777);

const doc = "usr/share/doc/rolesanywhere-signing-helper";
copyFileSync(join(root, "LICENSE"), put(`${doc}/LICENSE`));
const nodeLicense = opts["node-license"] ?? [join(dirname(process.execPath), "..", "LICENSE"), "/usr/local/share/doc/node/LICENSE", "/usr/share/doc/nodejs/copyright"].find((f) => existsSync(f));
if (nodeLicense) copyFileSync(nodeLicense, put(`${doc}/NODEJS-LICENSE`));
console.error(`sea-rootfs: ${out}`);
