import { FONT_STACKS, themeToCssVars } from "../tenancy/theme.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { CATALOGUES } from "../../messages/catalogues.ts";
import type { Locale } from "../format/locale.ts";

export type NoticeKind = "unavailable" | "suspended" | "maintenance";

/**
 * The words of a portal's notices, shared by the React notice and the 503 page, in the reader's
 * language. The 503 page is a route handler with no database: its language comes from the
 * picker cookie alone (docs/decisions/034).
 */
export function noticeCopy(tenantName: string, kind: NoticeKind, locale: Locale): { title: string; body: string } {
  const words = CATALOGUES[locale].notice;
  const fill = (text: string) => text.replaceAll("{portal}", tenantName);
  return { title: fill(words[`${kind}Title`]), body: fill(words[`${kind}Body`]) };
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/**
 * The whole branded notice page, answered with 503 by a route handler (app/t/[domain]/
 * portal-unavailable) when a portal is suspended or its database is down: the tenant's name,
 * colours, font and logo, all from the control plane's resolved tenant, nothing from its own
 * database. Self-contained (no app CSS, no script), styled under the request's CSP nonce.
 */
export function noticePage(
  tenant: Pick<ResolvedTenant, "slug" | "name" | "theme">,
  kind: NoticeKind,
  nonce: string | null,
  locale: Locale,
): string {
  const { title, body } = noticeCopy(tenant.name, kind, locale);
  const vars = Object.entries(themeToCssVars(tenant.theme))
    .map(([k, v]) => `${k}:${v}`)
    .join(";");
  const name = escapeHtml(tenant.name);
  // Theme values are validated hex colours and a font from a closed set; "<" cannot occur in them.
  const css = `:root{${vars}}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:var(--brand-bg);color:var(--brand-text);font-family:var(--brand-font,${FONT_STACKS.sans})}
header{background:var(--brand-primary);color:var(--brand-on-primary);box-shadow:0 1px 2px rgba(0,0,0,.1)}
header a{display:flex;align-items:center;gap:.75rem;max-width:64rem;margin:0 auto;padding:1rem 1.5rem;color:inherit;text-decoration:none;font-size:1.25rem;font-weight:600}
header img{width:40px;height:40px}
main{flex:1;padding:2rem 1rem}
section{max-width:36rem;margin:0 auto;padding:2rem;text-align:center;background:var(--brand-surface);border-radius:1rem;box-shadow:0 1px 2px rgba(0,0,0,.05)}
.bar{width:4rem;height:.375rem;margin:0 auto 1rem;border-radius:999px;background:var(--brand-accent)}
h1{font-size:1.5rem;font-weight:600;margin:0}
p{margin:.75rem 0 0;opacity:.8}
footer{border-top:1px solid rgba(0,0,0,.05);padding:1.5rem;text-align:center;font-size:.875rem;opacity:.7}`.replaceAll(
    "<",
    "",
  );
  return `<!DOCTYPE html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${name}</title><link rel="icon" href="${escapeHtml(tenant.theme.logo.src)}">
<style${nonce ? ` nonce="${escapeHtml(nonce)}"` : ""}>${css}</style></head>
<body><div data-tenant="${escapeHtml(tenant.slug)}" style="display:contents">
<header><a href="/"><img src="${escapeHtml(tenant.theme.logo.src)}" alt="${escapeHtml(tenant.theme.logo.alt)}" width="40" height="40"><span data-testid="tenant-name">${name}</span></a></header>
<main><section role="alert" data-testid="tenant-${kind}"><div class="bar"></div><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></section></main>
<footer>© ${name}</footer></div></body></html>
`;
}
