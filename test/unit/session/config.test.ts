import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import type { SessionInit } from "../../../src/session/config.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { errorOf } from "../../helpers/errors.js";

const BASE: SessionInit = {
  trustAnchorArn: "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta",
  profileArn: "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/p",
  roleArn: "arn:aws:iam::123456789012:role/demo",
};

const dir = mkdtempSync(join(tmpdir(), "session-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configError = (fn: () => unknown) => errorOf(fn, ConfigError);

describe("resolveSessionConfig", () => {
  it("applies the defaults and derives region, endpoint and account", () => {
    const c = resolveSessionConfig(BASE, {});
    expect(c).toMatchObject({
      region: "eu-west-1",
      regionSource: "trust anchor ARN",
      endpoint: "https://rolesanywhere.eu-west-1.amazonaws.com",
      endpointSource: "default",
      url: { host: "rolesanywhere.eu-west-1.amazonaws.com", path: "/sessions" },
      accountId: "123456789012",
      durationSeconds: 3600,
      timeoutMs: 15_000,
      maxAttempts: 3,
      fips: false,
      dualStack: false,
      tls: { rejectUnauthorized: true },
      warnings: [],
    });
    expect(c.roleSessionName).toBeUndefined();
    expect(c.proxy.httpProxy.reveal()).toBe("");
    expect(c.proxy.httpsProxy.reveal()).toBe("");
    expect(c.proxy.noProxy).toBe("");
  });

  it("returns a deeply frozen object", () => {
    const c = resolveSessionConfig(BASE, {});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.url)).toBe(true);
    expect(Object.isFrozen(c.arns.trustAnchor)).toBe(true);
    expect(() => {
      (c as { durationSeconds: number }).durationSeconds = 1;
    }).toThrow(TypeError);
  });

  it("uses --region for the scope and the endpoint", () => {
    const c = resolveSessionConfig({ ...BASE, region: "us-gov-west-1" }, {});
    expect(c.region).toBe("us-gov-west-1");
    expect(c.endpoint).toBe("https://rolesanywhere.us-gov-west-1.amazonaws.com");
  });

  it("signs for the real region and uses the FIPS endpoint with a fips- pseudo-region", () => {
    const c = resolveSessionConfig({ ...BASE, region: "fips-us-east-1" }, {});
    expect(c.region).toBe("us-east-1");
    expect(c.fips).toBe(true);
    expect(c.endpoint).toBe("https://rolesanywhere-fips.us-east-1.amazonaws.com");
  });

  it("reads AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT, case-insensitively", () => {
    const c = resolveSessionConfig(BASE, { AWS_USE_FIPS_ENDPOINT: "TRUE", AWS_USE_DUALSTACK_ENDPOINT: "true" });
    expect(c.endpoint).toBe("https://rolesanywhere-fips.eu-west-1.api.aws");
    expect(resolveSessionConfig(BASE, { AWS_USE_FIPS_ENDPOINT: "false" }).fips).toBe(false);
  });

  it("refuses a non-boolean AWS_USE_FIPS_ENDPOINT", () => {
    expect(configError(() => resolveSessionConfig(BASE, { AWS_USE_FIPS_ENDPOINT: "yes" })).message).toBe(
      "AWS_USE_FIPS_ENDPOINT: expected true or false, got 'yes'",
    );
  });

  it("puts --endpoint over AWS_ENDPOINT_URL_ROLESANYWHERE (explicit > environment), which applies when no endpoint is given", () => {
    const env = { AWS_ENDPOINT_URL_ROLESANYWHERE: "http://127.0.0.1:2/" };
    const c = resolveSessionConfig({ ...BASE, endpoint: "http://127.0.0.1:1" }, env);
    expect(c.endpoint).toBe("http://127.0.0.1:1");
    expect(c.endpointSource).toBe("endpoint");
    expect(c.warnings).toEqual([]);
    const fromEnv = resolveSessionConfig(BASE, env);
    expect(fromEnv.endpoint).toBe("http://127.0.0.1:2");
    expect(fromEnv.endpointSource).toBe("AWS_ENDPOINT_URL_ROLESANYWHERE");
  });

  it("ignores endpoint variables when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", () => {
    const c = resolveSessionConfig(
      { ...BASE, endpoint: "http://127.0.0.1:1" },
      { AWS_ENDPOINT_URL_ROLESANYWHERE: "http://127.0.0.1:2", AWS_ENDPOINT_URL: "http://127.0.0.1:3", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
    );
    expect(c.endpoint).toBe("http://127.0.0.1:1");
  });

  it("refuses FIPS from the environment with a custom endpoint", () => {
    const e = configError(() => resolveSessionConfig({ ...BASE, endpoint: "http://127.0.0.1:1" }, { AWS_USE_FIPS_ENDPOINT: "true" }));
    expect(e.message).toBe("endpoint: a custom endpoint cannot be combined with FIPS endpoints");
    expect(e.hint).toMatch(/AWS_USE_FIPS_ENDPOINT/);
  });

  it("names the env variable when AWS_ENDPOINT_URL_ROLESANYWHERE is not a URL", () => {
    expect(configError(() => resolveSessionConfig(BASE, { AWS_ENDPOINT_URL_ROLESANYWHERE: "ftp://x" })).message).toMatch(
      /^AWS_ENDPOINT_URL_ROLESANYWHERE: expected an http:\/\/ or https:\/\/ URL/,
    );
  });

  it.each([899, 43201, 3600.5, Number.NaN])("refuses the session duration %s", (d) => {
    const e = configError(() => resolveSessionConfig({ ...BASE, durationSeconds: d }, {}));
    expect(e.message).toBe(`durationSeconds: expected whole seconds from 900 to 43200, got ${d}`);
    expect(e.hint).toMatch(/maximum session duration/);
  });

  it.each([900, 43200])("accepts the session duration %s", (d) => {
    expect(resolveSessionConfig({ ...BASE, durationSeconds: d }, {}).durationSeconds).toBe(d);
  });

  it("keeps a valid role session name and refuses an invalid one", () => {
    expect(resolveSessionConfig({ ...BASE, roleSessionName: "ci-job.42@x" }, {}).roleSessionName).toBe("ci-job.42@x");
    expect(configError(() => resolveSessionConfig({ ...BASE, roleSessionName: "has space" }, {})).message).toBe(
      "roleSessionName: expected 2-64 characters among letters, digits and + = , . @ _ -, got 'has space'",
    );
  });

  it.each([
    [{ timeoutMs: 0 }, "timeoutMs: expected a number from 1 to 600000, got 0"],
    [{ maxAttempts: 0 }, "maxAttempts: expected a whole number from 1 to 10, got 0"],
    [{ maxAttempts: 1.5 }, "maxAttempts: expected a whole number from 1 to 10, got 1.5"],
  ])("refuses %j", (extra, message) => {
    expect(configError(() => resolveSessionConfig({ ...BASE, ...extra }, {})).message).toBe(message);
  });

  it("turns --no-verify-ssl into rejectUnauthorized=false with a warning", () => {
    const c = resolveSessionConfig({ ...BASE, noVerifySsl: true }, {});
    expect(c.tls.rejectUnauthorized).toBe(false);
    expect(c.warnings).toContain("TLS certificate verification of the endpoint is disabled; use it for testing only");
  });

  it("reads the PEM of AWS_CA_BUNDLE", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const path = join(dir, "ca.pem");
    writeFileSync(path, pem);
    const c = resolveSessionConfig(BASE, { AWS_CA_BUNDLE: path });
    expect(c.tls).toEqual({ rejectUnauthorized: true, ca: pem, caBundlePath: path });
  });

  it("refuses an unreadable or non-PEM AWS_CA_BUNDLE", () => {
    const missing = join(dir, "missing.pem");
    const e = configError(() => resolveSessionConfig(BASE, { AWS_CA_BUNDLE: missing }));
    expect(e.message).toBe(`AWS_CA_BUNDLE: cannot read '${missing}' (ENOENT)`);
    expect(e.hint).toMatch(/PEM file/);
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "hello");
    expect(configError(() => resolveSessionConfig(BASE, { AWS_CA_BUNDLE: notPem })).message).toBe(
      `AWS_CA_BUNDLE: '${notPem}' holds no PEM certificate`,
    );
  });

  it("reads proxies, lower case first, and adds http:// when the scheme is missing", () => {
    const c = resolveSessionConfig(BASE, {
      http_proxy: "http://lower:1",
      HTTP_PROXY: "http://upper:1",
      HTTPS_PROXY: "proxy.example:3128",
      NO_PROXY: "127.0.0.1,localhost",
    });
    expect(c.proxy.httpProxy.reveal()).toBe("http://lower:1");
    expect(c.proxy.httpsProxy.reveal()).toBe("http://proxy.example:3128");
    expect(c.proxy.noProxy).toBe("127.0.0.1,localhost");
  });

  it("never shows a proxy password, in the config or in a message", () => {
    const c = resolveSessionConfig(BASE, { HTTPS_PROXY: "http://user:s3cret@proxy:3128" });
    expect(JSON.stringify(c)).not.toContain("s3cret");
    expect(inspect(c, { depth: 10 })).not.toContain("s3cret");
    const e = configError(() => resolveSessionConfig(BASE, { HTTPS_PROXY: "ftp://user:s3cret@proxy" }));
    expect(e.message).toBe(
      "HTTPS_PROXY: expected a proxy URL such as http://proxy.example.com:3128 (http, https or socks5), got 'ftp://[redacted]@proxy'",
    );
  });

  it("validates the ARNs before anything else", () => {
    expect(configError(() => resolveSessionConfig({ ...BASE, roleArn: "demo" }, { AWS_USE_FIPS_ENDPOINT: "bad" })).code).toBe("INVALID_ARN");
  });
});
