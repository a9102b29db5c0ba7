import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { CATALOGUES } from "../../messages/catalogues.ts";
import {
  checkContrast,
  describeContrast,
  contrastRatio,
  formatRatio,
  nearestPassingShade,
  readableOn,
  type ThemeColours,
} from "./contrast.ts";
import { savableThemeSchema } from "./theme.ts";

const cream: ThemeColours = {
  primary: "#c2410c",
  accent: "#facc15",
  background: "#fffbeb",
  surface: "#ffffff",
  text: "#1c1917",
};

describe("contrastRatio", () => {
  it.each([
    ["#000000", "#ffffff", 21],
    ["#ffffff", "#ffffff", 1],
    ["#767676", "#ffffff", 4.54],
    ["#fde047", "#fffbeb", 1.27],
    ["#1d4ed8", "#f8fafc", 6.36],
  ])("%s on %s is %s:1", (fg, bg, ratio) => {
    expect(contrastRatio(fg, bg)).toBeCloseTo(ratio, 1);
    expect(contrastRatio(bg, fg)).toBeCloseTo(ratio, 1);
  });

  it("rounds down when shown, so a near miss never reads as a pass", () => {
    expect(formatRatio(4.499)).toBe("4.49:1");
    expect(formatRatio(21)).toBe("21:1");
  });

  it("black or white on any colour reaches body-text contrast", () => {
    for (let v = 0; v < 256; v += 5) {
      const grey = `#${v.toString(16).padStart(2, "0").repeat(3)}`;
      expect(contrastRatio(readableOn(grey), grey)).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe("describeContrast", () => {
  const translate = (locale: "en" | "de" | "fr") =>
    createTranslator({ locale, messages: CATALOGUES[locale], namespace: "contrast" });

  it("says in English exactly what the English message says (the catalogue and lib agree)", () => {
    for (const colours of [
      { ...cream, primary: "#fde047" },
      { ...cream, text: "#a8a29e" },
      { ...cream, background: "#777777" },
    ]) {
      const problems = Object.values(checkContrast(colours));
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(describeContrast(problem, translate("en"))).toBe(problem.message);
    }
  });

  it("words a problem in German and French with local number formats, the shade kept", () => {
    const problem = checkContrast({ ...cream, primary: "#fde047" }).primary;
    if (!problem?.suggestion) throw new Error("expected a problem with a suggestion");
    const de = describeContrast(problem, translate("de"));
    expect(de).toContain("Die Markenfarbe als Linktext auf dem Seitenhintergrund: 1,27:1; WCAG AA verlangt 4,5:1.");
    expect(de).toContain(`Versuchen Sie ${problem.suggestion}`);
    expect(de).not.toContain("link text");
    const fr = describeContrast(problem, translate("fr"));
    expect(fr).toContain("1,27:1");
    expect(fr).toContain(`Essayez ${problem.suggestion}`);
  });
});

describe("checkContrast", () => {
  it("refuses yellow #fde047 on cream as link text, saying the pair and its ratio", () => {
    const problems = checkContrast({ ...cream, primary: "#fde047" });
    expect(Object.keys(problems)).toEqual(["primary"]);
    expect(problems.primary?.message).toContain("The brand colour as link text on the page background is 1.27:1");
    expect(problems.primary?.message).toContain("4.5:1");
  });

  it("passes a readable theme (positive control)", () => {
    expect(checkContrast(cream)).toEqual({});
  });

  it("reports pale text on the page and on cards under the text field", () => {
    const problems = checkContrast({ ...cream, text: "#a8a29e" });
    expect(Object.keys(problems)).toEqual(["text"]);
    expect(problems.text?.message).toMatch(/Text on the page background is 2\.\d+:1/);
    expect(problems.text?.message).toMatch(/Text on cards is 2\.\d+:1/);
  });

  it("leaves malformed colours to the format check", () => {
    expect(checkContrast({ ...cream, primary: "yellow" })).toEqual({});
  });

  it.each([
    ["acme", { primary: "#c2410c", accent: "#facc15", background: "#fff7ed", surface: "#ffffff", text: "#1c1917" }],
    ["globex", { primary: "#0f2a4a", accent: "#10b981", background: "#f1f5f9", surface: "#ffffff", text: "#0b1220" }],
    ["initech", { primary: "#6d28d9", accent: "#f472b6", background: "#faf5ff", surface: "#ffffff", text: "#2e1065" }],
  ])("the demo tenant %s's colours pass", (_slug, colours) => {
    expect(checkContrast(colours)).toEqual({});
  });
});

describe("nearestPassingShade", () => {
  it("keeps the hue, changes only lightness, and passes", () => {
    const suggestion = nearestPassingShade({ ...cream, primary: "#fde047" }, "primary");
    expect(suggestion).toMatch(/^#[0-9a-f]{6}$/);
    expect(contrastRatio(suggestion!, cream.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(suggestion!, cream.surface)).toBeGreaterThanOrEqual(4.5);
    // Still a yellow: red and green well above blue, as in #fde047.
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(suggestion!.slice(i, i + 2), 16)) as [number, number, number];
    expect(r).toBeGreaterThan(b * 2);
    expect(g).toBeGreaterThan(b * 2);
    // Nearest: one step lighter would fail again.
    const problems = checkContrast({ ...cream, primary: suggestion! });
    expect(problems).toEqual({});
  });

  it("suggests a darker teal for a teal that fails on white", () => {
    const colours = { ...cream, background: "#ffffff", primary: "#2dd4bf" };
    expect(checkContrast(colours).primary?.suggestion).toBe(nearestPassingShade(colours, "primary"));
    const suggestion = nearestPassingShade(colours, "primary")!;
    expect(contrastRatio(suggestion, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(suggestion, "#ffffff")).toBeLessThan(4.7);
  });

  it("says when no shade of the hue can pass", () => {
    // A dark grey page and white cards: no text colour is 4.5:1 against both (black on #595959 is 3:1).
    const problems = checkContrast({ ...cream, background: "#595959", text: "#777777" });
    expect(problems.text?.suggestion).toBeNull();
    expect(problems.text?.message).toContain("No shade of this hue passes");
  });
});

describe("savableThemeSchema", () => {
  const theme = { ...cream, font: "sans", logo: { src: "/brand/acme.svg", alt: "Acme" } };

  it("refuses a failing colour on its field", () => {
    const result = savableThemeSchema.safeParse({ ...theme, primary: "#fde047" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["primary"]);
  });

  it("accepts the suggested shade", () => {
    const suggestion = checkContrast({ ...cream, primary: "#fde047" }).primary!.suggestion!;
    expect(savableThemeSchema.safeParse({ ...theme, primary: suggestion }).success).toBe(true);
  });
});
