import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { SignUpForm } from "@/components/auth/sign-up-form.tsx";
import { memberSignUpAllowed } from "@/lib/portal/sign-up.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { signUp } from "../sign-in/actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("signUp") };
}

export default async function SignUpPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const allowed = await memberSignUpAllowed(tenant);
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("join", { portal: tenant.name })}>
      {allowed ? <SignUpForm action={signUp} /> : <p>{t("noSignUps", { portal: tenant.name })}</p>}
      <p className="text-center text-sm">
        {t("haveAccount")}{" "}
        <Link href="/sign-in" className="font-medium text-brand underline">
          {t("signIn")}
        </Link>
      </p>
    </AuthCard>
  );
}
