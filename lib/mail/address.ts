import { z } from "zod";

/**
 * The one rule for an email address Portico accepts from a person or a file: trimmed, lower-cased,
 * at most 254 characters, and an address the mail layer will send to (lib/mail/message.ts uses
 * this same schema for `to`). Every place that stores an address checks it with this rule first,
 * so an address is never written that the mail layer then refuses (e.g. one with a fullwidth
 * "＠" U+FF20, which a looser pattern took for an ordinary character).
 */
export const EMAIL_MAX_LENGTH = 254;
export const EMAIL_HINT = "Enter a valid email address, like name@example.com.";

export function emailAddress(message: string = EMAIL_HINT) {
  return z.string().trim().toLowerCase().max(EMAIL_MAX_LENGTH, message).email(message);
}

export type EmailCheck = { ok: true; email: string } | { ok: false; message: string };

export function checkEmailAddress(input: unknown, message: string = EMAIL_HINT): EmailCheck {
  const parsed = emailAddress(message).safeParse(input);
  return parsed.success ? { ok: true, email: parsed.data } : { ok: false, message };
}
