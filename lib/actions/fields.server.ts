import "server-only";
import { z } from "zod";
import { PASSWORD_MAX, PASSWORD_MIN } from "../auth/credentials.server.ts";

/** A text field as FormData gives it: an absent field reads as empty, as `form.get(x) ?? ""` did. */
export const text = () => z.string().default("");

const PASSWORD_RULE = `Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`;

/** Accepting an invitation: its token and a new password typed twice (tenant and agency alike). */
export const newPasswordForm = z
  .object({
    token: text(),
    password: z.string({ error: PASSWORD_RULE }).min(PASSWORD_MIN, PASSWORD_RULE).max(PASSWORD_MAX, PASSWORD_RULE),
    confirm: z.unknown().optional(),
  })
  .refine((f) => f.password === f.confirm, {
    message: "The two passwords differ; type the same password twice.",
    path: ["confirm"],
  });
