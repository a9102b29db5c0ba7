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
});

export type MailMessage = z.infer<typeof mailMessageSchema>;

export function parseMailMessage(input: unknown): MailMessage {
  const result = mailMessageSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidInput(
      `cannot send this email: ${result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  return result.data;
}
