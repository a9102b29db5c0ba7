import { describe, expect, it } from "vitest";
import { CATALOGUES } from "../../messages/catalogues.ts";

type Tree = { [key: string]: string | Tree };

/** Every leaf's dotted key with its text. */
function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

/** What is wrong with `other` measured against the reference: keys missing, extra, or empty. */
export function catalogueProblems(reference: Tree, other: Tree): string[] {
  const ref = leaves(reference);
  const got = leaves(other);
  const problems: string[] = [];
  for (const key of ref.keys()) if (!got.has(key)) problems.push(`missing ${key}`);
  for (const [key, text] of got) {
    if (!ref.has(key)) problems.push(`extra ${key}`);
    else if (!text.trim()) problems.push(`empty ${key}`);
  }
  return problems;
}

/** The `{name}` arguments a message uses (ICU arguments, plural and select included). */
function argumentsOf(text: string): string[] {
  const pattern = /\{\s*(\w+)\s*(?:\}|,\s*(?:number|plural|select|selectordinal|date|time)\b)/g;
  return [...new Set([...text.matchAll(pattern)].map((m) => m[1] as string))].sort();
}

describe("the message catalogues", () => {
  for (const locale of ["de", "fr"] as const) {
    it(`${locale} has exactly the English keys, none empty`, () => {
      expect(catalogueProblems(CATALOGUES.en, CATALOGUES[locale])).toEqual([]);
    });

    it(`${locale} uses the same arguments as English in every message`, () => {
      const en = leaves(CATALOGUES.en);
      const other = leaves(CATALOGUES[locale]);
      const differ = [...en].filter(
        ([key, text]) => argumentsOf(text).join() !== argumentsOf(other.get(key) ?? "").join(),
      );
      expect(differ.map(([key]) => key)).toEqual([]);
    });

    it(`${locale} is translated, not a copy of English`, () => {
      const en = leaves(CATALOGUES.en);
      const other = leaves(CATALOGUES[locale]);
      const same = [...en].filter(([key, text]) => other.get(key) === text && /[a-z]{4,}/.test(text));
      // A few words read the same in both languages (names of languages, "Status", "Admin").
      expect(same.length).toBeLessThan(en.size / 10);
    });
  }

  it("catch a made-up catalogue missing a key, with an extra one and an empty one", () => {
    const reference = { a: { b: "B", c: "C" }, d: "D" };
    expect(catalogueProblems(reference, { a: { b: "B", c: "C" }, d: "D" })).toEqual([]);
    expect(catalogueProblems(reference, { a: { b: "B" }, d: "D", e: "E" })).toEqual(["missing a.c", "extra e"]);
    expect(catalogueProblems(reference, { a: { b: "B", c: " " }, d: "D" })).toEqual(["empty a.c"]);
  });

  it("keep the server sentences to plain {name} arguments, which lib/portal/server-text.ts fills in", () => {
    for (const catalogue of Object.values(CATALOGUES))
      for (const text of Object.values(catalogue.server)) expect(text).not.toMatch(/\{\s*\w+\s*,/);
  });
});
