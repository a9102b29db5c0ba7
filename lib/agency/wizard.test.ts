import { describe, expect, it } from "vitest";
import { checkDraft, draftRegion, nextStep, parseStep } from "./wizard.ts";
import { parseRegions } from "../tenancy/regions.ts";

const context = {
  hosts: { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const },
  servers: [
    { name: "embedded", region: "default" },
    { name: "eu-2", region: "default" },
  ],
  regions: parseRegions(undefined, undefined),
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const complete = {
  name: "Wonka",
  slug: "wonka",
  domains: [],
  plan: "standard",
  server: "",
  adminName: "Charlie",
  adminEmail: "charlie@wonka.example",
};

describe("the onboarding wizard's steps", () => {
  it("moves forward and back within the steps", () => {
    expect(nextStep("organisation", "next")).toBe("domains");
    expect(nextStep("organisation", "back")).toBe("organisation");
    expect(nextStep("review", "next")).toBe("review");
  });

  it("refuses reserved and malformed slugs but keeps what was typed", () => {
    const reserved = parseStep("organisation", form({ name: "X", slug: "admin" }), context);
    expect(reserved).toMatchObject({
      ok: false,
      errors: { slug: expect.stringContaining("reserved") },
      data: { slug: "admin" },
    });
    expect(parseStep("organisation", form({ name: "", slug: "Bad Slug" }), context)).toMatchObject({
      ok: false,
      errors: { name: expect.any(String), slug: expect.any(String) },
    });
  });

  it("accepts custom domains outside the root only, normalised", () => {
    expect(parseStep("domains", form({ domains: "Events.Wonka.com\nwww.wonka.org" }), context)).toEqual({
      ok: true,
      data: { domains: ["events.wonka.com", "wonka.org"] },
    });
    expect(parseStep("domains", form({ domains: "globex.localhost" }), context)).toMatchObject({
      ok: false,
      errors: { domains: expect.stringContaining("under localhost") },
    });
    expect(parseStep("domains", form({ domains: "admin.localhost" }), context)).toMatchObject({
      ok: false,
      errors: { domains: expect.stringContaining("agency") },
    });
  });

  it("checks colours, fonts, plans, servers and the first admin", () => {
    const branding = parseStep(
      "branding",
      form({
        primary: "red",
        accent: "#000000",
        background: "#ffffff",
        surface: "#ffffff",
        text: "#000000",
        font: "comic",
      }),
      context,
    );
    expect(branding).toMatchObject({ ok: false, errors: { primary: expect.any(String), font: expect.any(String) } });
    expect(parseStep("plan", form({ plan: "gold" }), context).ok).toBe(false);
    expect(parseStep("placement", form({ server: "nowhere" }), context)).toMatchObject({
      ok: false,
      errors: { server: expect.stringContaining("not a registered server") },
    });
    expect(parseStep("placement", form({ server: "" }), context).ok).toBe(true);
    expect(parseStep("admin", form({ adminName: "C", adminEmail: "nope" }), context)).toMatchObject({
      ok: false,
      errors: { adminEmail: expect.any(String) },
    });
  });

  it("refuses a teal below contrast beside its field, and takes the suggested shade", () => {
    const colours = {
      primary: "#2dd4bf",
      accent: "#f59e0b",
      background: "#f8fafc",
      surface: "#ffffff",
      text: "#0f172a",
    };
    const refused = parseStep("branding", form({ ...colours, font: "sans" }), context);
    expect(refused.ok).toBe(false);
    const message = refused.ok ? "" : (refused.errors.primary ?? "");
    expect(message).toMatch(/The brand colour as link text on the page background is 1\.\d+:1; WCAG AA needs 4\.5:1/);
    expect(refused.data.primary).toBe("#2dd4bf"); // kept, so nothing typed is lost
    const shade = /Try (#[0-9a-f]{6})/.exec(message)?.[1] as string;
    const accepted = parseStep("branding", form({ ...colours, primary: shade, font: "sans" }), context);
    expect(accepted).toMatchObject({ ok: true, data: { primary: shade } });
    expect(checkDraft({ ...complete, ...colours, font: "sans" }, context)).toMatchObject({
      ok: false,
      step: "branding",
    });
  });

  it("reviews the whole draft, including custom domains only on a plan that has them", () => {
    expect(checkDraft(complete, context)).toEqual({ ok: true });
    expect(checkDraft({ ...complete, adminEmail: undefined }, context)).toMatchObject({ ok: false, step: "admin" });
    expect(checkDraft({ ...complete, domains: ["events.wonka.com"] }, context)).toMatchObject({
      ok: false,
      step: "plan",
      message: expect.stringContaining("Premium"),
    });
    expect(checkDraft({ ...complete, domains: ["events.wonka.com"], plan: "premium" }, context)).toEqual({ ok: true });
  });
});

describe("the wizard's region (data residency, decision 053)", () => {
  const regions = parseRegions("eu=Europe (Frankfurt),us=United States (Virginia),ap=Asia Pacific", "eu");
  const servers = [
    { name: "fra-1", region: "eu" },
    { name: "iad-1", region: "us" },
  ];
  const placement = (plan: string, fields: Record<string, string>) =>
    parseStep("placement", form(fields), { ...context, servers, regions, plan });

  it("requires a region on Premium, which includes data residency", () => {
    const refused = placement("premium", { server: "" });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors.region).toMatch(/Choose the region the client's data stays in/);
    expect(placement("premium", { server: "", region: "mars" }).ok).toBe(false);
    // Positive control: a chosen region with a server in it.
    expect(placement("premium", { server: "", region: "us" })).toEqual({
      ok: true,
      data: { server: "", region: "us" },
    });
    expect(draftRegion({ plan: "premium", region: "us" }, regions)).toBe("us");
  });

  it("gives other plans the default region, whatever the form says", () => {
    expect(placement("standard", { server: "", region: "us" }).ok).toBe(true);
    expect(draftRegion({ plan: "standard", region: "us" }, regions)).toBe("eu");
  });

  it("refuses a server outside the region and a region without servers, saying what to do", () => {
    const outside = placement("premium", { server: "fra-1", region: "us" });
    expect(!outside.ok && outside.errors.server).toMatch(
      /"fra-1" is in Europe \(Frankfurt\), outside the tenant's region/,
    );
    expect(placement("premium", { server: "iad-1", region: "us" }).ok).toBe(true);
    const empty = placement("premium", { server: "", region: "ap" });
    expect(!empty.ok && empty.errors.region).toMatch(/No database server is in Asia Pacific yet/);
  });

  it("checks the region again at review, on the draft's plan", () => {
    const draft = { ...complete, plan: "premium", server: "" };
    const ctx = { ...context, servers, regions };
    expect(checkDraft(draft, ctx)).toMatchObject({ ok: false, step: "placement" });
    expect(checkDraft({ ...draft, region: "eu" }, ctx)).toEqual({ ok: true });
  });
});
