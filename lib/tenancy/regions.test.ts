import { describe, expect, it } from "vitest";
import { assertRegion, parseRegions, regionLabel } from "./regions.ts";

describe("region configuration", () => {
  it("is one region, default, when nothing is configured, so existing installs do not change", () => {
    expect(parseRegions(undefined, undefined)).toEqual({
      regions: [{ key: "default", label: "Default" }],
      defaultRegion: "default",
    });
  });

  it("reads key=Label pairs and a default region", () => {
    const config = parseRegions("eu=Europe (Frankfurt), us=United States (Virginia)", "us");
    expect(config.regions.map((r) => r.key)).toEqual(["eu", "us"]);
    expect(config.defaultRegion).toBe("us");
    expect(regionLabel("eu", config)).toBe("Europe (Frankfurt)");
    expect(parseRegions("eu=Europe", undefined).defaultRegion).toBe("eu");
  });

  it("refuses a bad key, a duplicate and a default that is not listed, naming the variable", () => {
    expect(() => parseRegions("EU=Europe", undefined)).toThrow(/PORTICO_REGIONS: entry 1/);
    expect(() => parseRegions("eu=Europe,eu=Again", undefined)).toThrow(/listed twice/);
    expect(() => parseRegions("eu=Europe", "us")).toThrow(/PORTICO_DEFAULT_REGION: "us" is not one of/);
  });

  it("validates a chosen region against the configured ones (refusal and positive control)", () => {
    const config = parseRegions("eu=Europe,us=US", undefined);
    expect(assertRegion("us", config)).toBe("us");
    expect(() => assertRegion("ap", config)).toThrow(/"ap" is not a region; regions: eu \(Europe\), us \(US\)/);
    expect(() => assertRegion("", config)).toThrow(/choose a region/);
  });
});
