import { describe, expect, it } from "vitest";
import { checkDraft, nextStep, parseStep } from "./wizard.ts";

const context = {
  hosts: { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const },
  servers: ["embedded", "eu-2"],
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
