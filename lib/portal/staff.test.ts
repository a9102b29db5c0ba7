import { describe, expect, it } from "vitest";
import { parseQuestionLines, questionLines, slugify } from "./staff.server.ts";

describe("staff event helpers", () => {
  it("reads questions as staff type them, and writes them back the same way", () => {
    const parsed = parseQuestionLines("Dietary needs\n* T-shirt size: S / M / L\n\n");
    expect(parsed).toEqual({
      ok: true,
      questions: [
        { id: "dietary-needs", label: "Dietary needs", kind: "text", required: false, options: [] },
        { id: "t-shirt-size", label: "T-shirt size", kind: "choice", required: true, options: ["S", "M", "L"] },
      ],
    });
    expect(questionLines(parsed.ok ? parsed.questions : [])).toBe("Dietary needs\n* T-shirt size: S / M / L");
  });

  it("refuses duplicate questions and one-option choices with a reason", () => {
    expect(parseQuestionLines("Size\nSize")).toMatchObject({
      ok: false,
      message: expect.stringContaining("share the id"),
    });
    expect(parseQuestionLines("Pick: only")).toMatchObject({
      ok: false,
      message: expect.stringContaining("at least two options"),
    });
  });

  it("makes addresses from titles", () => {
    expect(slugify("Ünïcode Town-Hall 2031!")).toBe("unicode-town-hall-2031");
    expect(slugify("!!!")).toBe("event");
  });
});
