import { describe, expect, it } from "vitest";
import { FALLBACK_THEME } from "../tenancy/theme.ts";
import { noticePage } from "./notice.ts";

describe("noticePage", () => {
  const tenant = {
    slug: "umbrella",
    name: "Umbrella Health",
    theme: { ...FALLBACK_THEME, primary: "#be123c", logo: { src: "/brand/portico.svg", alt: "Umbrella" } },
  };

  it("carries the tenant's name, colours, logo and the nonce", () => {
    const html = noticePage(tenant, "unavailable", "abc123==", "en");
    expect(html).toContain('<span data-testid="tenant-name">Umbrella Health</span>');
    expect(html).toContain("--brand-primary:#be123c");
    expect(html).toContain('<img src="/brand/portico.svg" alt="Umbrella"');
    expect(html).toContain('<style nonce="abc123==">');
    expect(html).toContain('data-testid="tenant-unavailable"');
    expect(noticePage(tenant, "suspended", null, "en")).toContain("This portal is currently suspended");
  });

  it("escapes a tenant name that looks like markup", () => {
    const html = noticePage({ ...tenant, name: `<script>alert("x")</script> & Co` }, "suspended", '"><script>', "en");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co");
  });

  it("speaks the reader's language, with lang set to match", () => {
    const html = noticePage(tenant, "suspended", null, "de");
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Umbrella Health ist im Moment nicht erreichbar");
    expect(noticePage(tenant, "suspended", null, "en")).toContain('<html lang="en">');
  });
});
