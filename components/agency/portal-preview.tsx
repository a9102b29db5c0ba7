import type { CSSProperties } from "react";
import { themeToCssVars, type LayoutName, type Theme } from "@/lib/tenancy/theme.ts";
import { checkContrast, type ContrastProblem } from "@/lib/tenancy/contrast.ts";

/**
 * The preview's own words. English by default (the agency dashboard); a portal's settings page
 * passes its reader's language (the catalogues' `brandPreview` and `contrast` namespaces).
 */
export interface PreviewText {
  label: string;
  clientName: string;
  signIn: string;
  upcoming: string;
  register: string;
  refused: string;
  samples: readonly { title: string; when: string; day: string; time: string }[];
  describe: (problem: ContrastProblem) => string;
}

export const ENGLISH_PREVIEW: PreviewText = {
  label: "Portal preview",
  clientName: "Client name",
  signIn: "Sign in",
  upcoming: "Upcoming events",
  register: "Register",
  refused: "Below WCAG AA contrast; a save is refused:",
  samples: [
    { title: "Annual conference", when: "In 12 days", day: "Tue 8 Dec", time: "09:00" },
    { title: "Product webinar", when: "Next month", day: "Tue 8 Dec", time: "16:30" },
    { title: "Customer meetup", when: "In January", day: "Thu 14 Jan", time: "18:00" },
  ],
  describe: (problem) => problem.message,
};

/** Sample events in the chosen layout, built like components/portal/event-card.tsx's. */
function PreviewEvents({ layout, text }: { layout: LayoutName; text: PreviewText }) {
  const samples = text.samples;
  if (layout === "agenda") {
    const days = [...new Set(samples.map((e) => e.day))];
    return (
      <>
        {days.map((day) => (
          <div key={day} data-testid="preview-agenda-day">
            <div className="border-b border-black/10 pb-0.5 text-xs font-semibold uppercase tracking-wide">{day}</div>
            {samples
              .filter((e) => e.day === day)
              .map((e) => (
                <div key={e.title} className="grid grid-cols-[3rem_1fr] gap-2 py-1.5 text-sm">
                  <span className="font-mono font-semibold text-brand">{e.time}</span>
                  <span className="font-medium">{e.title}</span>
                </div>
              ))}
          </div>
        ))}
      </>
    );
  }
  if (layout === "grid")
    return (
      <div className="grid grid-cols-2 gap-3">
        {samples.slice(0, 2).map((e) => (
          <div key={e.title} className="overflow-hidden rounded-lg bg-surface shadow-sm ring-1 ring-black/5">
            <div data-testid="preview-cover" className="aspect-video bg-linear-to-br from-brand to-accent" />
            <div className="p-2">
              <div className="flex items-center gap-2 text-xs font-medium uppercase tracking-wide">
                <span aria-hidden="true" className="h-2 w-2 rounded-full bg-accent" />
                {e.when}
              </div>
              <div className="text-sm font-medium">{e.title}</div>
            </div>
          </div>
        ))}
      </div>
    );
  return (
    <>
      {samples.slice(0, 2).map((e) => (
        <div key={e.title} className="rounded-lg bg-surface p-3 shadow-sm ring-1 ring-black/5">
          <div className="flex items-center gap-2 text-xs font-medium uppercase tracking-wide">
            <span aria-hidden="true" className="h-2 w-2 rounded-full bg-accent" />
            {e.when}
          </div>
          <div className="font-medium">{e.title}</div>
          <span className="mt-2 inline-block rounded-md bg-brand px-2.5 py-1 text-xs font-medium text-on-brand">
            {text.register}
          </span>
        </div>
      ))}
    </>
  );
}

/**
 * A small, faithful rendering of a tenant's portal chrome (the same CSS variables and classes as
 * components/portal/branded-shell.tsx), for the wizard's live preview and the tenant detail page.
 */
export function PortalPreview({
  theme,
  name,
  host,
  text = ENGLISH_PREVIEW,
}: {
  theme: Theme;
  name: string;
  host: string;
  text?: PreviewText;
}) {
  const style = themeToCssVars(theme) as CSSProperties;
  // The check a save runs (lib/tenancy/contrast.ts), so the preview never shows as fine what is refused.
  const problems = Object.values(checkContrast(theme));
  return (
    <figure
      aria-label={text.label}
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
            {name || text.clientName}
          </span>
          <span className="ml-auto text-sm opacity-90">{text.signIn}</span>
        </div>
        <div className="space-y-3 p-4" data-testid="preview-catalogue" data-layout={theme.layout}>
          <h3 className="text-lg font-semibold">{text.upcoming}</h3>
          <PreviewEvents layout={theme.layout} text={text} />
        </div>
      </div>
      {problems.length > 0 && (
        <figcaption
          role="status"
          data-testid="preview-contrast"
          className="space-y-1 border-t border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
        >
          <strong className="block">{text.refused}</strong>
          {problems.map((p) => (
            <span key={p.field} className="block">
              {text.describe(p)}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
