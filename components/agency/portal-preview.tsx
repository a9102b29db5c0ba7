import type { CSSProperties } from "react";
import { themeToCssVars, type Theme } from "@/lib/tenancy/theme.ts";

/**
 * A small, faithful rendering of a tenant's portal chrome (the same CSS variables and classes as
 * components/portal/branded-shell.tsx), for the wizard's live preview and the tenant detail page.
 */
export function PortalPreview({ theme, name, host }: { theme: Theme; name: string; host: string }) {
  const style = themeToCssVars(theme) as CSSProperties;
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
              <div className="text-xs font-medium uppercase tracking-wide text-accent">
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
    </figure>
  );
}
