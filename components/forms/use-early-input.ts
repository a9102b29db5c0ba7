"use client";

import { useEffect, type RefObject } from "react";

type FieldElement = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * What a user typed into a server-rendered field before React hydrated stays in the field, but a
 * field whose value lives in state never heard of it: React 19 as bundled with Next.js does not
 * replay those change events. A live check or preview would then show nothing, or show the old
 * value, until the user typed again; a controlled field would even be reset on the next render.
 *
 * Once mounted, this reads each named field under `root` (or `root` itself, if it is one) and hands
 * those whose value differs from `values` to `adopt`. A file input holding a file has no value
 * state could take; its own onChange is run instead (React hears a file input's "change" event as
 * it comes, with no record of an earlier value to compare). After that, onChange keeps state in step.
 */
export function useEarlyInput(
  root: RefObject<HTMLElement | null>,
  values: Record<string, string>,
  adopt: (typed: Record<string, string>) => void,
) {
  useEffect(() => {
    const element = root.current;
    if (!element) return;
    const typed: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      const field = (
        element.getAttribute("name") === name ? element : element.querySelector(`[name="${CSS.escape(name)}"]`)
      ) as FieldElement | null;
      if (field && field.value !== value) typed[name] = field.value;
    }
    if (Object.keys(typed).length > 0) adopt(typed);
    for (const file of element.querySelectorAll<HTMLInputElement>('input[type="file"]')) {
      if (file.files?.length) file.dispatchEvent(new Event("change", { bubbles: true }));
    }
    // Once, on mount: later changes reach state through onChange.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- re-running on each change would undo typing
  }, []);
}
