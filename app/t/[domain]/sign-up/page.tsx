import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { SignUpForm } from "@/components/auth/sign-up-form.tsx";
import { memberSignUpAllowed } from "@/lib/portal/sign-up.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { signUp } from "../sign-in/actions.ts";

export const metadata = { title: "Create an account" };

export default async function SignUpPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const allowed = await memberSignUpAllowed(tenant);
  return (
    <AuthCard title={`Join ${tenant.name}`}>
      {allowed ? (
        <SignUpForm action={signUp} />
      ) : (
        <p>{tenant.name} does not take sign-ups here. Ask the organiser for an invitation.</p>
      )}
      <p className="text-center text-sm">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-medium text-brand underline">
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
