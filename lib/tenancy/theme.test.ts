import { describe, expect, it } from "vitest";
import { FONT_STACKS, readableOn, themeSchema, themeToCssVars } from "./theme.ts";

const theme = {
  primary: "#C2410C",
  accent: "#facc15",
  background: "#fff7ed",
  surface: "#ffffff",
  text: "#1c1917",
  font: "serif",
  logo: { src: "/brand/acme.svg", alt: "Acme" },
} as const;

describe("themeSchema", () => {
  it("accepts a valid theme and lower-cases colours", () => {
    expect(themeSchema.parse(theme).primary).toBe("#c2410c");
  });

  it.each([
    [{ primary: "red" }, "primary"],
    [{ primary: "#fff" }, "primary"],
    [{ accent: "#000000; background: url(//evil.com)" }, "accent"],
    [{ font: "Comic Sans" }, "font"],
    [{ logo: { src: "https://evil.com/x.svg", alt: "x" } }, "logo"],
    [{ logo: { src: "/brand/../secret.svg", alt: "x" } }, "logo"],
    [{ logo: { src: "javascript:alert(1)", alt: "x" } }, "logo"],
  ])("rejects %j", (patch, field) => {
    const result = themeSchema.safeParse({ ...theme, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe("themeToCssVars", () => {
  it("maps every theme value to a --brand-* variable", () => {
    const vars = themeToCssVars(themeSchema.parse(theme));
    expect(vars).toEqual({
      "--brand-primary": "#c2410c",
      "--brand-on-primary": "#ffffff",
      "--brand-accent": "#facc15",
      "--brand-on-accent": "#000000",
      "--brand-bg": "#fff7ed",
      "--brand-surface": "#ffffff",
      "--brand-text": "#1c1917",
      "--brand-font": FONT_STACKS.serif,
    });
  });
});

describe("readableOn", () => {
  it.each([
    ["#000000", "#ffffff"],
    ["#ffffff", "#000000"],
    ["#0f2a4a", "#ffffff"],
    ["#facc15", "#000000"],
    ["#6d28d9", "#ffffff"],
  ])("%s → %s", (bg, fg) => {
    expect(readableOn(bg)).toBe(fg);
  });
});
