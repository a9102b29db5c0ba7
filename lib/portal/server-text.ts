import { CATALOGUES } from "../../messages/catalogues.ts";
import type { Locale } from "../format/locale.ts";

/**
 * The sentences lib/ answers with (a refused registration, a form's field errors) are written in
 * English where they are decided, so logs, scripts and tests read them as before. The portal
 * shows them in the reader's language: each English sentence is listed in the catalogues'
 * `server` namespace with `{name}` for its variable parts, and translated here by matching the
 * English pattern and filling the same parts into the reader's sentence (docs/decisions/034).
 * A sentence not listed stays English, never lost.
 */

type Pattern = { key: keyof (typeof CATALOGUES)["en"]["server"]; names: string[]; regex: RegExp };

const PLACEHOLDER = /\{(\w+)\}/g;

function compile(): Pattern[] {
  return Object.entries(CATALOGUES.en.server).map(([key, english]) => {
    const names: string[] = [];
    let source = "";
    let last = 0;
    for (const match of english.matchAll(PLACEHOLDER)) {
      source += escapeRegex(english.slice(last, match.index)) + "(.+?)";
      names.push(match[1] as string);
      last = match.index + match[0].length;
    }
    source += escapeRegex(english.slice(last));
    return { key: key as Pattern["key"], names, regex: new RegExp(`^${source}$`, "s") };
  });
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let patterns: Pattern[] | null = null;

export function localiseServerText(text: string, locale: Locale): string {
  if (locale === "en" || !text) return text;
  patterns ??= compile();
  for (const { key, names, regex } of patterns) {
    const match = regex.exec(text);
    if (!match) continue;
    const values = Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ""]));
    return CATALOGUES[locale].server[key].replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
  }
  return text;
}

/** An action's answer with its messages (whole-form, per-field, success) in the reader's language. */
export function localiseState<S>(state: S, locale: Locale): S {
  if (locale === "en" || !state || typeof state !== "object") return state;
  const s = state as { error?: unknown; message?: unknown; errors?: unknown };
  const out: Record<string, unknown> = { ...s };
  if (typeof s.error === "string") out.error = localiseServerText(s.error, locale);
  if (typeof s.message === "string") out.message = localiseServerText(s.message, locale);
  if (s.errors && typeof s.errors === "object")
    out.errors = Object.fromEntries(
      Object.entries(s.errors as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === "string" ? localiseServerText(v, locale) : v,
      ]),
    );
  return out as S;
}
