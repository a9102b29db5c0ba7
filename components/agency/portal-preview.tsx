import type { CSSProperties } from "react";
import { themeToCssVars, type Theme } from "@/lib/tenancy/theme.ts";
import { checkContrast } from "@/lib/tenancy/contrast.ts";

/**
 * A small, faithful rendering of a tenant's portal chrome (the same CSS variables and classes as
 * components/portal/branded-shell.tsx), for the wizard's live preview and the tenant detail page.
 */
export function PortalPreview({ theme, name, host }: { theme: Theme; name: string; host: string }) {
  const style = themeToCssVars(theme) as CSSProperties;
  // The check a save runs (lib/tenancy/contrast.ts), so the preview never shows as fine what is refused.
  const problems = Object.values(checkContrast(theme));
  return (
    <figure
      aria-label="Portal preview"
      data-testid="portal-preview"
      className="overflow-hidden rounded-xl shadow-sm ring-1 ring-slate-200"
    >
      <div className="flex items-center gap-2 bg-slate-100 px-3 py-1.5 text-xs text-slate-500">
        <span className="h-2 w-2 rounded-full bg-slate-300" />
        <span className="h-2 w-2 rounded-full bg-slate-300" />
        <span className="ml-2 truncate rounded bg-white px-2 py-0.5 font-mono">{host}</span>
      </div>
      <div style={style} className="bg-page font-brand text-ink">
        <div className="flex items-center gap-3 bg-brand px-4 py-3 text-on-brand" data-testid="preview-header">
          {/* eslint-disable-next-line @next/next/no-img-element -- a same-origin logo or a local file being chosen */}
          <img
            src={theme.logo.src}
            alt={theme.logo.alt}
            width={32}
            height={32}
            className="h-8 w-8 rounded object-contain"
          />
          <span className="font-semibold" data-testid="preview-name">
            {name || "Client name"}
          </span>
          <span className="ml-auto text-sm opacity-90">Sign in</span>
        </div>
        <div className="space-y-3 p-4">
          <h3 className="text-lg font-semibold">Upcoming events</h3>
          {["Annual conference", "Product webinar"].map((title, i) => (
            <div key={title} className="rounded-lg bg-surface p-3 shadow-sm ring-1 ring-black/5">
              <div className="flex items-center gap-2 text-xs font-medium uppercase tracking-wide">
                <span aria-hidden="true" className="h-2 w-2 rounded-full bg-accent" />
                {i === 0 ? "In 12 days" : "Next month"}
              </div>
              <div className="font-medium">{title}</div>
              <span className="mt-2 inline-block rounded-md bg-brand px-2.5 py-1 text-xs font-medium text-on-brand">
                Register
              </span>
            </div>
          ))}
        </div>
      </div>
      {problems.length > 0 && (
        <figcaption
          role="status"
          data-testid="preview-contrast"
          className="space-y-1 border-t border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
        >
          <strong className="block">Below WCAG AA contrast; a save is refused:</strong>
          {problems.map((p) => (
            <span key={p.field} className="block">
              {p.message}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
