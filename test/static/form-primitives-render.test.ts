import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Field, type FieldControl } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Pagination } from "@/components/ui/pagination.tsx";

/** The HTML the primitives render before any script runs: what a browser without it gets. */
const html = (element: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(element);
const attr = (markup: string, tag: string, name: string) =>
  new RegExp(`<${tag}[^>]*\\s${name}="([^"]*)"`).exec(markup)?.[1];

const titleInput = (c: FieldControl) => createElement(Input, { ...c, name: "title" });

describe("Field", () => {
  it("ties the label, hint and error to its control, and marks the control invalid", () => {
    // createElement types its rest arguments as ReactNode, which a render function is not.
    const props = { label: "Title", name: "title", hint: "Shown in the list.", error: "A title is needed." };
    // eslint-disable-next-line react/no-children-prop
    const markup = html(createElement(Field, { ...props, children: titleInput }));
    const id = attr(markup, "input", "id")!;
    expect(attr(markup, "label", "for")).toBe(id);
    expect(attr(markup, "input", "aria-describedby")).toBe(`${id}-hint ${id}-error`);
    expect(attr(markup, "input", "aria-invalid")).toBe("true");
    expect(markup).toContain(`id="${id}-error" data-testid="error-title"`);
    expect(attr(markup, "input", "name")).toBe("title");
  });

  it("says nothing is wrong when there is no error (control)", () => {
    // eslint-disable-next-line react/no-children-prop -- createElement types its rest arguments as ReactNode, which a render function is not
    const markup = html(createElement(Field, { label: "Title", name: "title", children: titleInput }));
    expect(markup).not.toContain("aria-invalid");
    expect(markup).not.toContain("aria-describedby");
    expect(markup).not.toContain("error-title");
  });
});

describe("Pagination", () => {
  const href = (n: number) => `/audit?tenant=acme&page=${n}`;

  it("renders plain links to the pages either side, keeping the query", () => {
    const markup = html(createElement(Pagination, { page: 2, pages: 3, href, previous: "Newer", next: "Older" }));
    expect(markup).toContain('href="/audit?tenant=acme&amp;page=1"');
    expect(markup).toContain('href="/audit?tenant=acme&amp;page=3"');
    expect(markup).toContain(">Newer</a>");
    expect(markup).toContain(">Older</a>");
    expect(markup.replaceAll("<!-- -->", "")).toContain("Page 2 of 3");
  });

  it("has no link before the first page or after the last, and nothing for a single page", () => {
    expect(html(createElement(Pagination, { page: 1, pages: 3, href }))).not.toContain("page=0");
    expect(html(createElement(Pagination, { page: 1, pages: 3, href }))).toContain("page=2");
    expect(html(createElement(Pagination, { page: 3, pages: 3, href }))).not.toContain("page=4");
    expect(html(createElement(Pagination, { page: 1, pages: 1, href }))).toBe("");
  });
});

describe("FormError", () => {
  it("announces a message where the browser tests look for it, and renders nothing without one", () => {
    expect(html(createElement(FormError, { message: "This event is full." }))).toBe(
      '<p role="alert" data-testid="form-error" class="text-sm text-red-700">This event is full.</p>',
    );
    expect(html(createElement(FormError, { message: "Link expired.", look: "box" }))).toContain(
      'class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800"',
    );
    expect(html(createElement(FormError, { message: undefined }))).toBe("");
    expect(html(createElement(FormError, { message: "" }))).toBe("");
  });
});
