import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { EmailLinkRequest } from "@/components/auth/email-link-request.tsx";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { requestPasswordResetAction } from "../sign-in/actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("resetPassword") };
}

/** "Forgot password?": asks for the address; the answer never says whether it has an account. */
export default async function ForgotPasswordPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("forgotTitle", { portal: tenant.name })}>
      <p className="text-sm">{t("forgotIntro")}</p>
      <EmailLinkRequest action={requestPasswordResetAction} label={t("sendResetLink")} />
      <p className="text-center text-sm">
        <Link href="/sign-in" className="font-medium text-brand underline">
          {t("backToSignIn")}
        </Link>
      </p>
    </AuthCard>
  );
}
