import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// CONTRIBUTING.md's commit rules, for every commit since they were written: a subject of at most
// 72 characters with no trailing full stop, and a blank line before any body.

/** The first commit made under these rules' predecessor; history before it is left as it was. */
const RULES_SINCE = "606c520264ecf48892b9753f28dbc5ed2ce25485";

export function commitProblems(commits: ReadonlyArray<{ hash: string; message: string }>): string[] {
  const problems: string[] = [];
  for (const { hash, message } of commits) {
    const [subject = "", second] = message.split("\n");
    const id = `${hash.slice(0, 8)} "${subject}"`;
    if (subject.length === 0) problems.push(`${id}: empty subject`);
    if (subject.length > 72) problems.push(`${id}: subject is ${subject.length} characters (at most 72)`);
    if (subject.endsWith(".")) problems.push(`${id}: subject ends with a full stop`);
    if (second !== undefined && second.trim() !== "") problems.push(`${id}: no blank line after the subject`);
  }
  return problems;
}

function git(...args: string[]): string {
  return execFileSync("git", args, { encoding: "utf8" });
}

function commitsSinceRules(): Array<{ hash: string; message: string }> {
  let range = ["-n", "1", "HEAD"];
  try {
    git("cat-file", "-e", `${RULES_SINCE}^{commit}`);
    range = [`${RULES_SINCE}..HEAD`];
  } catch {
    // A shallow clone without that commit cannot tell older history apart: check the newest.
  }
  return git("log", "--format=%H%x00%B%x01", ...range)
    .split("\x01")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [hash = "", message = ""] = entry.split("\x00");
      return { hash, message: message.trim() };
    });
}

describe("commit messages", () => {
  it("follow CONTRIBUTING.md since the rules were written", () => {
    const commits = commitsSinceRules();
    expect(commits.length).toBeGreaterThan(0);
    expect(commitProblems(commits)).toEqual([]);
  });

  it("are refused with a long subject, a full stop or no blank line, and accepted otherwise", () => {
    const ok = { hash: "a".repeat(40), message: "Throttle tenant sign-in per account and IP\n\nWhy it matters." };
    expect(commitProblems([ok])).toEqual([]);
    expect(commitProblems([{ hash: "b".repeat(40), message: "x".repeat(73) }])).toEqual([
      `bbbbbbbb "${"x".repeat(73)}": subject is 73 characters (at most 72)`,
    ]);
    expect(commitProblems([{ hash: "c".repeat(40), message: "Fix the thing." }])[0]).toContain("full stop");
    expect(commitProblems([{ hash: "d".repeat(40), message: "Fix the thing\nbody without a gap" }])[0]).toContain(
      "no blank line",
    );
  });
});
