import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/** The two sizes every page must work at: a phone (iPhone 12–15) and a laptop. */
export const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

/**
 * What is wrong with the page's layout as it is shown now: horizontal overflow (the document wider
 * than the viewport, or a visible element reaching past its right edge) and interactive elements
 * (links, buttons, fields, menu buttons) drawn over one another. Each problem is one readable line.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth} px wide in a ${width} px viewport`);

    const describe = (el: Element) => {
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      const id = el.id ? `#${el.id}` : "";
      const testId = el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : "";
      return `<${el.tagName.toLowerCase()}${id}${testId}>${text ? ` "${text}"` : ""}`;
    };
    /** The part of an element the visitor can see: its box cut by every ancestor that clips. */
    const shown = (el: Element): DOMRect | null => {
      // Also false inside a closed <details>, whose content keeps its boxes but is not drawn.
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return null;
      let { left, top, right, bottom } = el.getBoundingClientRect();
      if (right - left < 1 || bottom - top < 1) return null;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        const clipsX = s.overflowX !== "visible" || s.clipPath !== "none";
        const clipsY = s.overflowY !== "visible" || s.clipPath !== "none";
        if (!clipsX && !clipsY) continue;
        const r = a.getBoundingClientRect();
        if (clipsX) [left, right] = [Math.max(left, r.left), Math.min(right, r.right)];
        if (clipsY) [top, bottom] = [Math.max(top, r.top), Math.min(bottom, r.bottom)];
        if (right - left < 1 || bottom - top < 1) return null;
      }
      return new DOMRect(left, top, right - left, bottom - top);
    };

    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
      const r = shown(el);
      if (r && r.right > width + 0.5) {
        problems.push(`${describe(el)} reaches ${Math.round(r.right)} px, past the ${width} px viewport`);
        if (problems.length > 10) break;
      }
    }

    const interactive = [
      ...document.body.querySelectorAll(
        "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])",
      ),
    ]
      .map((el) => ({ el, r: shown(el) }))
      .filter((x): x is { el: Element; r: DOMRect } => x.r !== null);
    for (let i = 0; i < interactive.length; i++) {
      for (let j = i + 1; j < interactive.length; j++) {
        const a = interactive[i]!;
        const b = interactive[j]!;
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        // A pixel or two is a shared border or a focus ring, not one control covering another.
        if (x > 2 && y > 2)
          problems.push(`${describe(a.el)} and ${describe(b.el)} overlap by ${Math.round(x)}×${Math.round(y)} px`);
      }
    }
    return problems;
  });
}

/** axe-core's serious and critical findings on the page as shown now, one line per rule and element. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.impact} ${v.id}: ${n.target.join(" ")} — ${n.failureSummary?.split("\n").slice(1).join(" ").trim() ?? v.help}`,
      ),
    );
}
