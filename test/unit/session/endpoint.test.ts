import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { defaultEndpoint, parseEndpointUrl, partitionOf, resolveEndpoint, resolveRegion } from "../../../src/session/endpoint.js";

describe("endpoint", () => {
  it.each([
    ["us-east-1", "aws", "https://rolesanywhere.us-east-1.amazonaws.com"],
    ["eu-west-3", "aws", "https://rolesanywhere.eu-west-3.amazonaws.com"],
    ["mx-central-1", "aws", "https://rolesanywhere.mx-central-1.amazonaws.com"],
    ["cn-north-1", "aws-cn", "https://rolesanywhere.cn-north-1.amazonaws.com.cn"],
    ["cn-northwest-1", "aws-cn", "https://rolesanywhere.cn-northwest-1.amazonaws.com.cn"],
    ["us-gov-west-1", "aws-us-gov", "https://rolesanywhere.us-gov-west-1.amazonaws.com"],
    ["us-iso-east-1", "aws-iso", "https://rolesanywhere.us-iso-east-1.c2s.ic.gov"],
    ["us-isob-east-1", "aws-iso-b", "https://rolesanywhere.us-isob-east-1.sc2s.sgov.gov"],
    ["eu-isoe-west-1", "aws-iso-e", "https://rolesanywhere.eu-isoe-west-1.cloud.adc-e.uk"],
    ["us-isof-south-1", "aws-iso-f", "https://rolesanywhere.us-isof-south-1.csp.hci.ic.gov"],
    ["eusc-de-east-1", "aws-eusc", "https://rolesanywhere.eusc-de-east-1.amazonaws.eu"],
    ["mars-north-1", "aws", "https://rolesanywhere.mars-north-1.amazonaws.com"],
  ])("serves %s from partition %s at %s", (region, partition, url) => {
    expect(partitionOf(region).id).toBe(partition);
    expect(defaultEndpoint(region)).toBe(url);
  });

  it.each([
    ["us-east-1", { fips: true }, "https://rolesanywhere-fips.us-east-1.amazonaws.com"],
    ["us-east-1", { dualStack: true }, "https://rolesanywhere.us-east-1.api.aws"],
    ["us-east-1", { fips: true, dualStack: true }, "https://rolesanywhere-fips.us-east-1.api.aws"],
    ["us-gov-east-1", { fips: true }, "https://rolesanywhere-fips.us-gov-east-1.amazonaws.com"],
    ["us-gov-west-1", { dualStack: true }, "https://rolesanywhere.us-gov-west-1.api.aws"],
    ["cn-north-1", { fips: true }, "https://rolesanywhere-fips.cn-north-1.amazonaws.com.cn"],
    ["cn-north-1", { dualStack: true }, "https://rolesanywhere.cn-north-1.api.amazonwebservices.com.cn"],
    ["us-iso-east-1", { fips: true }, "https://rolesanywhere-fips.us-iso-east-1.c2s.ic.gov"],
  ])("builds the FIPS/dual-stack endpoint of %s %j", (region, flags, url) => {
    expect(defaultEndpoint(region, flags)).toBe(url);
  });

  it("takes --region over the trust anchor's region", () => {
    expect(resolveRegion("eu-west-1", "us-east-1")).toEqual({ region: "eu-west-1", source: "region", fips: false });
    expect(resolveRegion(undefined, "us-east-1")).toEqual({ region: "us-east-1", source: "trust anchor ARN", fips: false });
    expect(resolveRegion("", "us-east-1").source).toBe("trust anchor ARN");
  });

  it("turns FIPS pseudo-regions into FIPS on the real region", () => {
    expect(resolveRegion("fips-us-east-1", "us-east-1")).toEqual({ region: "us-east-1", source: "region", fips: true });
    expect(resolveRegion("us-west-2-fips", "us-east-1")).toEqual({ region: "us-west-2", source: "region", fips: true });
  });

  it("refuses a malformed region with an example", () => {
    let err: unknown;
    try {
      resolveRegion("US East", "us-east-1");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe("region: expected a region name such as us-east-1, got 'US East'");
    expect((err as ConfigError).hint).toBe("leave the region unset to use the trust anchor ARN's region");
  });

  it("puts --endpoint over AWS_ENDPOINT_URL_ROLESANYWHERE (explicit > environment), and the variable over AWS_ENDPOINT_URL", () => {
    const r = resolveEndpoint({ region: "us-east-1", endpoint: "http://flag:1", serviceEndpointEnv: "http://env:2", globalEndpointEnv: "http://global:3" });
    expect(r).toMatchObject({ source: "endpoint", href: "http://flag:1", warnings: [] });
    expect(resolveEndpoint({ region: "us-east-1", serviceEndpointEnv: "http://env:2", globalEndpointEnv: "http://global:3" })).toMatchObject({
      source: "AWS_ENDPOINT_URL_ROLESANYWHERE",
      href: "http://env:2",
    });
  });

  it("puts --endpoint over AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL over the default", () => {
    expect(resolveEndpoint({ region: "us-east-1", endpoint: "http://flag:1", globalEndpointEnv: "http://global:3" })).toMatchObject({
      source: "endpoint",
      href: "http://flag:1",
      warnings: [],
    });
    expect(resolveEndpoint({ region: "us-east-1", globalEndpointEnv: "http://global:3" })).toMatchObject({
      source: "AWS_ENDPOINT_URL",
      href: "http://global:3",
    });
    expect(resolveEndpoint({ region: "us-east-1", endpoint: "  " })).toMatchObject({
      source: "default",
      href: "https://rolesanywhere.us-east-1.amazonaws.com",
      host: "rolesanywhere.us-east-1.amazonaws.com",
      path: "/sessions",
    });
  });

  it.each([
    [{ fips: true }, "FIPS"],
    [{ dualStack: true }, "dual-stack"],
    [{ fips: true, dualStack: true }, "FIPS and dual-stack"],
  ])("refuses a custom endpoint with %j", (flags, words) => {
    expect(() => resolveEndpoint({ region: "us-east-1", endpoint: "https://x.example", ...flags })).toThrow(
      `endpoint: a custom endpoint cannot be combined with ${words} endpoints`,
    );
  });

  it("keeps the host with its port and a path prefix", () => {
    expect(parseEndpointUrl("http://127.0.0.1:8080/ra/", "--endpoint")).toEqual({
      protocol: "http:",
      host: "127.0.0.1:8080",
      origin: "http://127.0.0.1:8080",
      path: "/ra/sessions",
      href: "http://127.0.0.1:8080/ra",
    });
    expect(parseEndpointUrl("https://h.example:443", "--endpoint").host).toBe("h.example");
    expect(parseEndpointUrl("http://[::1]:9/", "--endpoint").host).toBe("[::1]:9");
  });

  it.each(["ftp://h.example", "h.example", "https://user:pw@h.example", "https://h.example/?a=1", "https://h.example/#x", "file:///x"])(
    "refuses the endpoint %s, listing what is accepted",
    (value) => {
      expect(() => parseEndpointUrl(value, "--endpoint")).toThrow(
        `endpoint: expected an http:// or https:// URL with a host, such as https://rolesanywhere.us-east-1.amazonaws.com or http://127.0.0.1:8080 (no user info, query or fragment), got '${value}'`,
      );
    },
  );
});
