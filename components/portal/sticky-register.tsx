"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The event page's call to action on small screens: a bar that stays at the bottom of the
 * viewport while the registration panel is off screen, and leads to it. It is sticky rather than
 * fixed, so at the end of the page it takes its own place in the flow and never covers the panel
 * or the footer; it hides while the panel itself is visible. Wider screens show the panel near
 * the top anyway.
 */
export function StickyRegister({
  label,
  detail,
  target,
}: {
  label: string;
  detail?: string;
  /** The id of the element to lead to. */
  target: string;
}) {
  const [panelVisible, setPanelVisible] = useState(false);
  const bar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const panel = document.getElementById(target);
    if (!panel || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(([entry]) => setPanelVisible(Boolean(entry?.isIntersecting)), {
      threshold: 0.15,
    });
    observer.observe(panel);
    return () => observer.disconnect();
  }, [target]);
  return (
    <div
      ref={bar}
      data-testid="sticky-register"
      data-hidden={panelVisible ? "true" : undefined}
      className={`sticky bottom-0 z-20 -mx-6 mt-8 border-t border-black/10 bg-surface/95 px-4 py-3 backdrop-blur sm:hidden ${panelVisible ? "invisible" : ""}`}
    >
      <div className="flex items-center gap-3">
        {detail && <p className="min-w-0 flex-1 truncate text-sm opacity-80">{detail}</p>}
        <a
          href={`#${target}`}
          className="ml-auto inline-flex min-h-11 items-center justify-center rounded-xl bg-brand px-5 py-2.5 text-base font-semibold text-on-brand no-underline shadow-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-brand focus-visible:ring-offset-2"
        >
          {label}
        </a>
      </div>
    </div>
  );
}
