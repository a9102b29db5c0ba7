import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Vitest's `toMatchObject` compares a regular expression in the expected object as an object with
 * no keys of its own, so `toMatchObject({ reason: /expired/ })` passes whatever the reason says:
 * an assertion that cannot fail. Written `expect.stringMatching(/expired/)` it checks the text.
 * This test finds the bare form in every test file.
 */
const ROOTS = ["lib", "test", "e2e", "bench"];

async function testFiles(entry: string): Promise<string[]> {
  const info = await readdir(entry, { withFileTypes: true }).catch(() => null);
  if (!info) return /\.(test|spec)\.tsx?$/.test(entry) || /^(e2e|test)\//.test(entry) ? [entry] : [];
  const nested = await Promise.all(
    info.filter((d) => !["generated", "node_modules"].includes(d.name)).map((d) => testFiles(path.join(entry, d.name))),
  );
  return nested.flat().filter((f) => /\.tsx?$/.test(f));
}

/** Lines (1-based) where a regex literal sits in a `toMatchObject` argument outside any call. */
export function bareRegexInMatchObject(source: string, fileName = "x.test.ts"): number[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const inArgument = (node: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(node)) {
      lines.push(file.getLineAndCharacterOfPosition(node.getStart()).line + 1);
      return;
    }
    if (ts.isCallExpression(node)) return; // expect.stringMatching(/…/) and the like compare properly
    ts.forEachChild(node, inArgument);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "toMatchObject"
    )
      node.arguments.forEach(inArgument);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return lines;
}

describe("toMatchObject", () => {
  it("is never given a bare regular expression to compare a string with", async () => {
    const files = (await Promise.all(ROOTS.map(testFiles))).flat();
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const file of files) {
      const source = await readFile(file, "utf8");
      if (source.includes("toMatchObject"))
        for (const line of bareRegexInMatchObject(source, file)) found.push(`${file}:${line}`);
    }
    expect(found).toEqual([]);
  });

  it("the check finds the bare form at any depth, and passes the wrapped one (positive control)", () => {
    const bare = `expect(a).toMatchObject({ ok: false, reason: /expired/ });\nexpect(b).toMatchObject([{ x: { y: /z/ } }]);`;
    expect(bareRegexInMatchObject(bare)).toEqual([1, 2]);
    expect(bareRegexInMatchObject(`expect(a).toMatchObject({ reason: expect.stringMatching(/expired/) });`)).toEqual(
      [],
    );
    // Why it matters: the bare form really does pass on a string it does not match.
    const bareExpectation = { reason: /expired/ };
    expect({ reason: "something else" }).toMatchObject(bareExpectation);
    expect(() =>
      expect({ reason: "something else" }).toMatchObject({ reason: expect.stringMatching(/expired/) }),
    ).toThrow();
  });
});
