import { z } from "zod";
import { InvalidInput } from "../util/errors.ts";
import { emailAddress } from "./address.ts";

/**
 * An outgoing email, validated: no CR or LF in any header field (header injection), addresses
 * that are addresses, bounded sizes.
 */
const headerText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !/[\r\n]/.test(v), "must be a single line");

export const mailMessageSchema = z.object({
  tenantId: z.string().uuid().nullable(),
  to: emailAddress(),
  fromName: headerText(120),
  fromAddress: emailAddress(),
  subject: headerText(200),
  text: z.string().min(1).max(100_000),
  /** The HTML alternative; rendered by lib/mail/templates.tsx, never typed by a person as HTML. */
  html: z.string().min(1).max(500_000).optional(),
  attachments: z
    .array(
      z.object({
        filename: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a plain file name"),
        contentType: headerText(120),
        content: z.string().max(200_000),
      }),
    )
    .max(5)
    .default([]),
});

export type MailMessage = z.infer<typeof mailMessageSchema>;
export type MailMessageInput = z.input<typeof mailMessageSchema>;

export function parseMailMessage(input: unknown): MailMessage {
  const result = mailMessageSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidInput(
      `cannot send this email: ${result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  return result.data;
}
