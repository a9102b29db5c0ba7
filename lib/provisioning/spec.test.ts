import { describe, expect, it } from "vitest";
import { parseTenantSpec } from "./spec.ts";

const declared = {
  slug: "brand-check",
  name: "Brand Check",
  theme: {
    primary: "#c2410c",
    accent: "#facc15",
    background: "#fffbeb",
    surface: "#ffffff",
    text: "#1c1917",
    font: "sans",
    logo: { src: "/brand/portico.svg", alt: "Brand Check" },
  },
};

describe("a declared tenant's colours", () => {
  it("are accepted when every pair reaches WCAG AA (positive control)", () => {
    expect(parseTenantSpec(declared).theme.primary).toBe("#c2410c");
  });

  it("are refused at validation with the settings page's message and the suggested shade", () => {
    const failing = { ...declared, theme: { ...declared.theme, primary: "#fde047" } };
    expect(() => parseTenantSpec(failing, "tenants/brand-check.ts")).toThrow(
      /tenants\/brand-check\.ts is invalid:\n {2}theme\.primary: The brand colour as link text on the page background is 1\.27:1; WCAG AA needs 4\.5:1\..*Try #[0-9a-f]{6}/,
    );
  });
});
