import { describe, expect, it } from "vitest";
import { defaultStsEndpoint, resolveStsEndpoint } from "../../../src/sources/sts/endpoint.js";
import { resolveStsCallConfig } from "../../../src/sources/sts/config.js";
import { Secret } from "../../../src/secret.js";

describe("STS endpoint", () => {
  it("is regional by default, in the region's partition", () => {
    expect(defaultStsEndpoint("us-east-1")).toBe("https://sts.us-east-1.amazonaws.com");
    expect(defaultStsEndpoint("eu-west-3")).toBe("https://sts.eu-west-3.amazonaws.com");
    expect(defaultStsEndpoint("cn-north-1")).toBe("https://sts.cn-north-1.amazonaws.com.cn");
    expect(defaultStsEndpoint("us-gov-west-1")).toBe("https://sts.us-gov-west-1.amazonaws.com");
    expect(defaultStsEndpoint("us-iso-east-1")).toBe("https://sts.us-iso-east-1.c2s.ic.gov");
  });

  it("uses sts-fips, dual-stack suffixes and both together as the SDKs' rule set does", () => {
    expect(defaultStsEndpoint("us-east-2", { fips: true })).toBe("https://sts-fips.us-east-2.amazonaws.com");
    expect(defaultStsEndpoint("us-east-2", { dualStack: true })).toBe("https://sts.us-east-2.api.aws");
    expect(defaultStsEndpoint("us-east-2", { fips: true, dualStack: true })).toBe("https://sts-fips.us-east-2.api.aws");
    expect(defaultStsEndpoint("cn-northwest-1", { dualStack: true })).toBe("https://sts.cn-northwest-1.api.amazonwebservices.com.cn");
    // In GovCloud the regional name already is the FIPS endpoint.
    expect(defaultStsEndpoint("us-gov-east-1", { fips: true })).toBe("https://sts.us-gov-east-1.amazonaws.com");
  });

  it("maps aws-global to the legacy global endpoint signed for us-east-1", () => {
    const e = resolveStsEndpoint({ region: "aws-global" });
    expect(e.href).toBe("https://sts.amazonaws.com");
    expect(e.signingRegion).toBe("us-east-1");
  });

  it("takes --sts-endpoint over AWS_ENDPOINT_URL_STS over AWS_ENDPOINT_URL", () => {
    const all = { region: "eu-west-1", endpoint: "http://127.0.0.1:1/", serviceEndpointEnv: "http://127.0.0.1:2", globalEndpointEnv: "http://127.0.0.1:3" };
    expect(resolveStsEndpoint(all)).toMatchObject({ source: "--sts-endpoint", host: "127.0.0.1:1", path: "/", signingRegion: "eu-west-1" });
    expect(resolveStsEndpoint({ ...all, endpoint: undefined })).toMatchObject({ source: "AWS_ENDPOINT_URL_STS", host: "127.0.0.1:2" });
    expect(resolveStsEndpoint({ ...all, endpoint: undefined, serviceEndpointEnv: "" })).toMatchObject({ source: "AWS_ENDPOINT_URL", host: "127.0.0.1:3" });
    expect(resolveStsEndpoint({ region: "eu-west-1" })).toMatchObject({ source: "default", host: "sts.eu-west-1.amazonaws.com", protocol: "https:" });
  });

  it("keeps a path prefix and splits IPv6 hosts for the signer", () => {
    const e = resolveStsEndpoint({ region: "us-east-1", endpoint: "http://[::1]:8080/sts/" });
    expect(e).toMatchObject({ host: "[::1]:8080", hostname: "::1", port: 8080, path: "/sts/", href: "http://[::1]:8080/sts" });
  });

  it("refuses a bad URL, naming the setting and what is accepted", () => {
    expect(() => resolveStsEndpoint({ region: "us-east-1", endpoint: "ftp://x" })).toThrow(
      "--sts-endpoint: expected an http:// or https:// URL with a host, such as https://sts.us-east-1.amazonaws.com or http://127.0.0.1:8080 (no user info, query or fragment), got 'ftp://x'",
    );
    expect(() => resolveStsEndpoint({ region: "us-east-1", serviceEndpointEnv: "http://u:p@h/" })).toThrow(/^AWS_ENDPOINT_URL_STS: expected/);
    expect(() => resolveStsEndpoint({ region: "us-east-1", endpoint: "x", endpointName: "stsEndpoint" })).toThrow(/^stsEndpoint: expected/);
  });

  it("refuses a custom endpoint with FIPS or dual-stack, as the SDKs do", () => {
    expect(() => resolveStsEndpoint({ region: "us-east-1", endpoint: "https://x.example", fips: true })).toThrow(
      "--sts-endpoint: a custom STS endpoint cannot be combined with FIPS endpoints",
    );
  });

  it("reads AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true", () => {
    const net = { tls: { rejectUnauthorized: true }, proxy: { httpProxy: new Secret(""), httpsProxy: new Secret(""), noProxy: "" }, timeoutMs: 1000, maxAttempts: 1 };
    const init = { region: "us-west-2", fips: false, dualStack: false };
    expect(resolveStsCallConfig(init, net, { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9/" }).endpoint.href).toBe("http://127.0.0.1:9");
    expect(resolveStsCallConfig(init, net, { AWS_ENDPOINT_URL: "http://127.0.0.1:8" }).endpoint.href).toBe("http://127.0.0.1:8");
    expect(
      resolveStsCallConfig(init, net, { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9/", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }).endpoint.href,
    ).toBe("https://sts.us-west-2.amazonaws.com");
    expect(resolveStsCallConfig({ ...init, stsEndpoint: "http://127.0.0.1:7" }, net, { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9/" }).endpoint.source).toBe("--sts-endpoint");
  });
});
