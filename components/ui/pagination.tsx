import Link from "next/link";
import type { Tone } from "./control-class.ts";

/** The words around the links; the portal passes its own language's, the agency keeps these. */
export interface PaginationLabels {
  previous?: string;
  next?: string;
  /** The navigation's accessible name. */
  nav?: string;
  /** "Page 2 of 5". */
  status?: string;
}

/**
 * "Previous · Page 2 of 5 · Next" as plain links, so paging works without script. `href` builds
 * each page's address and keeps the page's other query parameters; the caller owns that.
 */
export function Pagination({
  page,
  pages,
  href,
  previous = "Previous",
  next = "Next",
  labels = {},
  tone = "portal",
  spread = false,
  className = "",
}: {
  page: number;
  pages: number;
  href: (page: number) => string;
  previous?: string;
  next?: string;
  labels?: PaginationLabels;
  tone?: Tone;
  /** Links at either end of the row rather than beside the page count. */
  spread?: boolean;
  className?: string;
}) {
  if (pages <= 1) return null;
  const link = tone === "agency" ? "text-sky-700 hover:underline" : "text-brand underline";
  return (
    <nav
      aria-label={labels.nav ?? "Pages"}
      className={`flex gap-3 text-sm ${spread ? "items-center justify-between" : ""} ${className}`.trim()}
    >
      {page > 1 ? (
        <Link href={href(page - 1)} rel="prev" className={link} data-testid="page-prev">
          {labels.previous ?? previous}
        </Link>
      ) : (
        spread && <span />
      )}
      <span aria-current="page" className={tone === "agency" ? "text-slate-500" : undefined}>
        {labels.status ?? `Page ${page} of ${pages}`}
      </span>
      {page < pages ? (
        <Link href={href(page + 1)} rel="next" className={link} data-testid="page-next">
          {labels.next ?? next}
        </Link>
      ) : (
        spread && <span />
      )}
    </nav>
  );
}
