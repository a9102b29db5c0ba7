import { z } from "zod";

/**
 * Custom registration questions (Event.questions) and the answers to them. Staff define the
 * questions; every answer is checked against them on the server before it is stored.
 */
export const questionSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a question id is lower-case letters, digits and hyphens"),
  label: z.string().trim().min(1, "a question needs a label").max(200),
  kind: z.enum(["text", "choice"]),
  required: z.boolean().default(false),
  options: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
});
export const questionsSchema = z
  .array(questionSchema)
  .max(10, "at most 10 questions")
  .superRefine((qs, ctx) => {
    const ids = new Set<string>();
    qs.forEach((q, i) => {
      if (ids.has(q.id))
        ctx.addIssue({ code: "custom", path: [i, "id"], message: `two questions share the id "${q.id}"` });
      ids.add(q.id);
      if (q.kind === "choice" && q.options.length < 2)
        ctx.addIssue({ code: "custom", path: [i, "options"], message: `"${q.label}" needs at least two options` });
    });
  });
export type Question = z.output<typeof questionSchema>;

/** Stored questions, or none when what is stored does not parse (never a crash). */
export function parseQuestions(stored: unknown): Question[] {
  const parsed = questionsSchema.safeParse(stored);
  return parsed.success ? parsed.data : [];
}

export type AnswerCheck = { ok: true; answers: Record<string, string> } | { ok: false; errors: Record<string, string> };

/** Checks answers against the questions: required ones present, choices among the options. */
export function checkAnswers(questions: Question[], raw: Record<string, unknown>): AnswerCheck {
  const answers: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const q of questions) {
    const value = typeof raw[q.id] === "string" ? (raw[q.id] as string).trim() : "";
    if (!value) {
      if (q.required) errors[q.id] = `Answer "${q.label}".`;
      continue;
    }
    if (value.length > 1_000) errors[q.id] = `Keep "${q.label}" under 1,000 characters.`;
    else if (q.kind === "choice" && !q.options.includes(value))
      errors[q.id] = `Choose one of the options for "${q.label}".`;
    else answers[q.id] = value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, answers };
}
