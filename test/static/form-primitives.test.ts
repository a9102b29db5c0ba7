import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Form fields, their labels and pagination are written once, in components/ui (decision 023).
 * This fails when a copy reappears elsewhere in app/ or components/: a text field, select or text
 * area written as a raw element, the field class string, a hand-written Field component or
 * label wiring, or pagination markup.
 */
const ROOTS = ["app", "components"];
const SHARED = path.join("components", "ui") + path.sep;
/** Raw elements that are fine: no text-field look to copy. */
const PLAIN_INPUT_TYPES = new Set(["hidden", "radio", "checkbox", "file", "color"]);
const FIELD_ELEMENTS = new Set(["input", "select", "textarea"]);

async function sourceFiles(entry: string): Promise<string[]> {
  const info = await readdir(entry, { withFileTypes: true }).catch(() => null);
  if (!info) return /\.tsx?$/.test(entry) ? [entry] : [];
  const nested = await Promise.all(info.map((d) => sourceFiles(path.join(entry, d.name))));
  return nested.flat();
}

/** The text-field look: rounded, bordered in the field grey, laid out as a block or on white. */
function isFieldClass(text: string): boolean {
  const classes = new Set(text.split(/\s+/));
  const rounded = [...classes].some((c) => /^rounded(-\w+)?$/.test(c));
  return (
    rounded &&
    classes.has("border") &&
    (classes.has("border-black/15") || classes.has("border-slate-300")) &&
    ["bg-white", "w-full", "block"].some((c) => classes.has(c))
  );
}

export function findCopies(file: string, source: string): string[] {
  const found: string[] = [];
  const sf = ts.createSourceFile(
    file,
    source,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const at = (node: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) {
      const tag = node.tagName.getText(sf);
      const attr = (name: string) =>
        node.attributes.properties.find(
          (p): p is ts.JsxAttribute => ts.isJsxAttribute(p) && p.name.getText(sf) === name,
        );
      const type = attr("type")?.initializer;
      const typeText = type && ts.isStringLiteral(type) ? type.text : null;
      if (FIELD_ELEMENTS.has(tag) && !(tag === "input" && typeText && PLAIN_INPUT_TYPES.has(typeText))) {
        found.push(`${at(node)} raw <${tag}>: use Input, Select or Textarea from components/ui`);
      }
      if (tag === "label" && attr("htmlFor")) found.push(`${at(node)} <label htmlFor>: use Field from components/ui`);
      if (tag === "nav" && (attr("aria-label")?.initializer as ts.StringLiteral | undefined)?.text === "Pages") {
        found.push(`${at(node)} pagination markup: use Pagination from components/ui`);
      }
    }
    const literal =
      ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
        ? node.text
        : ts.isTemplateExpression(node)
          ? [node.head.text, ...node.templateSpans.map((t) => t.literal.text)].join(" ")
          : null;
    if (literal !== null && isFieldClass(literal)) {
      found.push(`${at(node)} the field class string: use Input, Select or Textarea from components/ui`);
    }
    if ((ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && node.name?.getText(sf) === "Field") {
      found.push(`${at(node)} a Field component: use Field from components/ui`);
    }
    if (ts.isJsxText(node) && /\bPage\s*$/.test(node.text) && /^\s*of\s*$/.test(nextJsxText(node) ?? "")) {
      found.push(`${at(node)} "Page n of m": use Pagination from components/ui`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The text two siblings on (after one {expression}): " of " in "Page {n} of {m}". */
function nextJsxText(node: ts.JsxText): string | null {
  const siblings = (node.parent as ts.JsxElement).children;
  if (!siblings) return null;
  const next = siblings[siblings.indexOf(node) + 2];
  return next && ts.isJsxText(next) ? next.text : null;
}

describe("shared form primitives", () => {
  it("the scanner finds each kind of copy (positive controls)", () => {
    const copies = (source: string) => findCopies("x.tsx", source).map((f) => f.replace(/^x\.tsx:\d+ /, ""));
    expect(copies(`const a = <input name="q" className="mt-1 block" />;`)).toEqual([
      "raw <input>: use Input, Select or Textarea from components/ui",
    ]);
    expect(copies(`const a = <select name="role"><option /></select>;`)).toEqual([
      "raw <select>: use Input, Select or Textarea from components/ui",
    ]);
    expect(
      copies(`const input = "mt-1 block w-full rounded-lg border border-black/15 bg-white px-3 py-2 text-ink";`),
    ).toEqual(["the field class string: use Input, Select or Textarea from components/ui"]);
    expect(copies("const f = `rounded-lg border border-slate-300 px-2 ${x} bg-white`;")).toEqual([
      "the field class string: use Input, Select or Textarea from components/ui",
    ]);
    expect(copies(`function Field() { return null; }`)).toEqual(["a Field component: use Field from components/ui"]);
    expect(copies(`const a = <><label htmlFor="x">X</label></>;`)).toEqual([
      "<label htmlFor>: use Field from components/ui",
    ]);
    expect(copies(`const a = <nav aria-label="Pages"><a href="?page=2">Next</a></nav>;`)).toEqual([
      "pagination markup: use Pagination from components/ui",
    ]);
    expect(copies(`const a = <p><span>Page {page} of {pages}</span></p>;`)).toEqual([
      `"Page n of m": use Pagination from components/ui`,
    ]);
  });

  it("the scanner leaves alone what is not a copy (negative controls)", () => {
    const copies = (source: string) => findCopies("x.tsx", source);
    expect(
      copies(
        `const a = <><input type="hidden" name="a" value="b" /><input type="radio" name="p" /><input type="checkbox" name="c" /><input type="file" name="logo" /><input type="color" aria-label="c" /></>;`,
      ),
    ).toEqual([]);
    expect(
      copies(
        `const a = <Input name="q" /><Select name="s" /><Field label="A" name="a">{(c) => <Input {...c} />}</Field>;`,
      ),
    ).toEqual([]);
    // A bordered button is not a field.
    expect(
      copies(
        `const a = <button className="rounded-lg border border-black/15 px-4 py-2 font-medium">Sign out</button>;`,
      ),
    ).toEqual([]);
    expect(copies(`function SlugField() { return null; }`)).toEqual([]);
    expect(copies(`const a = <nav aria-label="Which events"><p>Page one of the guide</p></nav>;`)).toEqual([]);
  });

  it("app/ and components/ use the primitives in components/ui, with no copies", async () => {
    const files = (await Promise.all(ROOTS.map(sourceFiles))).flat().filter((f) => !f.startsWith(SHARED));
    expect(files.length).toBeGreaterThan(20);
    const copies: string[] = [];
    for (const file of files) copies.push(...findCopies(file, await readFile(file, "utf8")));
    expect(copies).toEqual([]);
  });

  it("components/ui holds the primitives the scan points to", async () => {
    const shared = await sourceFiles(path.join("components", "ui"));
    const text = (await Promise.all(shared.map((f) => readFile(f, "utf8")))).join("\n");
    for (const name of ["Field", "Input", "Select", "Textarea", "Pagination", "ConfirmButton", "SubmitButton"]) {
      expect(text, name).toMatch(new RegExp(`export function ${name}\\b`));
    }
  });
});
