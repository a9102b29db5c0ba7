import "server-only";
import { getTranslations } from "next-intl/server";
import type { PaginationLabels } from "@/components/ui/pagination.tsx";

/** The shared primitives' words (English by default, as the agency shows them) in the portal's language. */
export async function paginationLabels(
  page: number,
  pages: number,
  ends?: { previous: string; next: string },
): Promise<PaginationLabels> {
  const t = await getTranslations("ui");
  return {
    previous: ends?.previous ?? t("previous"),
    next: ends?.next ?? t("next"),
    nav: t("pages"),
    status: t("pageOf", { page, pages }),
  };
}
