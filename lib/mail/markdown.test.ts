import { describe, expect, it } from "vitest";
import { markdownToEmailHtml, safeHref } from "./markdown.ts";

const style = { linkColour: "#1d4ed8" };
const md = (text: string) => markdownToEmailHtml(text, style);

describe("markdownToEmailHtml", () => {
  it("renders emphasis, lists and safe links (the positive control)", () => {
    const html = md(
      "**Doors** at *nine*.\n\n- one\n- two\n\n[Map](https://maps.example/hall) or [mail](mailto:a@b.example)",
    );
    expect(html).toContain("<strong>Doors</strong>");
    expect(html).toContain("<em>nine</em>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain('<a href="https://maps.example/hall"');
    expect(html).toContain('<a href="mailto:a@b.example"');
  });

  it("shows raw HTML and script as text, never as markup", () => {
    const html = md(
      'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> <b>bold</b>\n\n<div onclick="x()">block</div>',
    );
    expect(html).not.toMatch(/<script|<img|<b>|<div/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;div onclick=&quot;x()&quot;&gt;");
  });

  it("drops javascript:, data: and relative link targets but keeps their words", () => {
    for (const target of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,<script>x</script>",
      "/admin",
      "vbscript:x",
    ]) {
      const html = md(`[click me](${target})`);
      expect(html).not.toContain("href");
      expect(html).toContain("click me");
    }
    // An autolinked URL stays a link (positive control beside the refusals).
    expect(md("see https://acme.example/x")).toContain('href="https://acme.example/x"');
  });

  it("does not load images, keeping their description", () => {
    const html = md("![tracking pixel](https://evil.example/p.gif)");
    expect(html).not.toContain("<img");
    expect(html).toContain("tracking pixel");
  });
});

describe("safeHref", () => {
  it("allows http, https and mailto only", () => {
    expect(safeHref("https://a.example/")).toBe("https://a.example/");
    expect(safeHref("http://a.example")).toBe("http://a.example/");
    expect(safeHref("mailto:x@y.example")).toBe("mailto:x@y.example");
    expect(safeHref(" javascript:alert(1)")).toBeNull();
    expect(safeHref("ftp://a.example")).toBeNull();
    expect(safeHref("//evil.example")).toBeNull();
  });
});
