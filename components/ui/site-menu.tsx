"use client";

import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";

/**
 * The small-screen menu button. A <details> so it opens and closes before hydration too; the
 * navigation it controls is its next sibling (with the class `site-nav` and the id `controls`),
 * shown while it is open (app/globals.css). Once hydrated it mirrors its state in aria-expanded
 * and closes whenever the page changes. From 640 px it is hidden and the navigation is inline.
 */
export function SiteMenu({
  controls,
  label = "Menu",
  className = "",
}: {
  controls: string;
  label?: string;
  className?: string;
}) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  const hydrated = useHydrated();
  const pathname = usePathname();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname]);
  useEffect(() => {
    // A link to the page already shown changes no path: close on any link followed from the menu.
    const nav = document.getElementById(controls);
    const close = (e: MouseEvent) => {
      if (ref.current && e.target instanceof Element && e.target.closest("a")) ref.current.open = false;
    };
    nav?.addEventListener("click", close);
    return () => nav?.removeEventListener("click", close);
  }, [controls]);
  return (
    <details ref={ref} className={`site-menu ${className}`} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary
        aria-controls={controls}
        // Before hydration the browser's own <summary> semantics report the state; a fixed
        // attribute rendered on the server would go stale when opened then.
        aria-expanded={hydrated ? open : undefined}
        data-testid="menu-button"
        className="flex min-h-11 items-center gap-2 rounded-lg px-3 py-2 text-sm font-medium ring-1 ring-current/30"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20" fill="currentColor">
          {open ? (
            <path d="M5.3 4.3a1 1 0 0 1 1.4 0L10 7.6l3.3-3.3a1 1 0 1 1 1.4 1.4L11.4 9l3.3 3.3a1 1 0 0 1-1.4 1.4L10 10.4l-3.3 3.3a1 1 0 0 1-1.4-1.4L8.6 9 5.3 5.7a1 1 0 0 1 0-1.4Z" />
          ) : (
            <path d="M3 5h14a1 1 0 1 0 0-2H3a1 1 0 0 0 0 2Zm14 4H3a1 1 0 0 0 0 2h14a1 1 0 1 0 0-2Zm0 6H3a1 1 0 1 0 0 2h14a1 1 0 1 0 0-2Z" />
          )}
        </svg>
        {label}
      </summary>
    </details>
  );
}
