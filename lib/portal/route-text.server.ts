import "server-only";
import { getTranslations } from "next-intl/server";
import type { Messages } from "../../messages/catalogues.ts";

/**
 * A route handler's plain-text answer (404, 403, 503 …) in the reader's language: a visitor who
 * opens a calendar file, a cover or an export link that fails reads it as a page.
 */
export async function plainText(
  key: keyof Messages["routes"],
  status: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  const t = await getTranslations("routes");
  return new Response(t(key), { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}
