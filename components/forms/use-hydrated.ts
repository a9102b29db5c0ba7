"use client";

import { useEffect, useState } from "react";

/**
 * False in the server's HTML and until React has hydrated this component, then true. A form whose
 * submit is handled in script keeps its button disabled until then: a browser's own submit of such
 * a form (no action, GET) would put every field, a password included, in the page's URL.
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  // eslint-disable-next-line react-hooks/set-state-in-effect -- an effect runs only after hydration: that is the signal
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
