import { AuthCard } from "@/components/auth/auth-card.tsx";
import { SignOutButton } from "@/components/auth/sign-out-button.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export const metadata = { title: "Your account" };

export default async function AccountPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/account");
  return (
    <AuthCard title="Your account">
      <dl className="grid grid-cols-[6rem_1fr] gap-2 text-sm" data-testid="account">
        <dt className="font-medium opacity-70">Name</dt>
        <dd data-testid="account-name">{user.name}</dd>
        <dt className="font-medium opacity-70">Email</dt>
        <dd data-testid="account-email">{user.email}</dd>
        <dt className="font-medium opacity-70">Role</dt>
        <dd data-testid="account-role">{user.role}</dd>
      </dl>
      <SignOutButton />
    </AuthCard>
  );
}
