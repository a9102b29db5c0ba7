import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/agency/action-form.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select, Textarea } from "@/components/ui/input.tsx";
import { ImpersonateForm } from "@/components/agency/impersonate-form.tsx";
import { EmailDomainConfirmForm } from "@/components/agency/email-domain-confirm.tsx";
import { agencyEmailDomains } from "@/lib/auth/email-domains.server.ts";
import { PortalPreview } from "@/components/agency/portal-preview.tsx";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { withTimeout } from "@/lib/util/concurrency.ts";
import { CREDENTIALS_MAX_AGE_DAYS, tenantMigrationHistory } from "@/lib/agency/tenant-detail.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { formatAgo } from "@/lib/format/units.ts";
import { OPERATION_LABELS, type OperationKind } from "@/lib/operations/kinds.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantSubdomainHost } from "@/lib/tenancy/host.ts";
import { latestTenantMigration } from "@/lib/tenancy/lookup.server.ts";
import { FALLBACK_THEME, themeSchema, type Theme } from "@/lib/tenancy/theme.ts";
import { declaredFieldStatus, domainsValue, fieldValues, readDeclaredState } from "@/lib/provisioning/declared.ts";
import { queueAction } from "../../operations/actions.ts";
import { BackupsPanel } from "@/components/agency/backups-panel.tsx";
import { tenantBackupsForAgency } from "@/lib/agency/tenant-backups.server.ts";
import {
  confirmEmailDomain,
  removeTenantSaml,
  removeTenantSso,
  saveTenantSaml,
  setTenantSamlEnabled,
  saveTenantSso,
  setTenantSsoEnabled,
  startImpersonation,
} from "./actions.ts";
import { SsoConnectionForm, type SsoFormLabels } from "@/components/auth/sso-connection-form.tsx";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { ssoFormProps, ssoRedirectUris } from "@/lib/auth/sso-connection.server.ts";
import { tenantSamlForAgency, tenantSsoForAgency } from "@/lib/agency/tenant-detail.server.ts";
import { SamlConnectionForm, type SamlFormLabels } from "@/components/auth/saml-connection-form.tsx";
import { samlFormProps, samlServiceProviderValues } from "@/lib/auth/saml-settings.server.ts";
import { regionLabel } from "@/lib/tenancy/regions.ts";

export const metadata = { title: "Tenant" };

/** Whole days since `date`; the clock is read here, outside the component's render. */
function daysSince(date: Date): number {
  return Math.floor((Date.now() - date.getTime()) / 86_400_000);
}

/** One tenant: where it lives, what happened to it, and the lifecycle actions. */
export default async function TenantPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const user = await requireAgencyUser(`/tenants/${slug}`);
  const { control, hosts } = platform();
  const tenant = await control.tenant.findUnique({
    where: { slug },
    include: {
      domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] },
      database: { include: { server: { select: { name: true, host: true, port: true, sslMode: true } } } },
    },
  });
  if (!tenant) notFound();
  const [operations, servers, latest, jobs, audit, mail] = await Promise.all([
    control.operation.findMany({ where: { slug }, orderBy: { createdAt: "desc" }, take: 15 }),
    control.databaseServer.findMany({ orderBy: { name: "asc" }, select: { name: true, region: true } }),
    latestTenantMigration(),
    control.provisioningJob.findMany({
      where: { tenantId: tenant.id },
      orderBy: { startedAt: "desc" },
      take: 5,
      include: { steps: { orderBy: { id: "asc" } } },
    }),
    control.auditEntry.findMany({
      where: { tenantId: tenant.id },
      orderBy: { id: "desc" },
      take: 15,
      select: { id: true, at: true, actorLabel: true, action: true },
    }),
    // The portal's outbox as the control plane knows it (decision 040): what waits, what failed.
    control.mailTarget.findUnique({ where: { target: tenant.id } }),
  ]);
  const live = tenant.status === "active" || tenant.status === "suspended";
  const backups = await tenantBackupsForAgency(user, tenant);
  const history =
    live && tenant.database
      ? await tenantMigrationHistory(user, tenant, {
          actor: { type: "agency-user", id: user.id, label: user.email },
          ...(await requestOrigin()),
        })
      : null;
  // Owners may open the portal as one of its admins: list them (from the tenant's own database).
  const admins =
    user.role === "owner" && tenant.status === "active"
      ? await withTimeout(
          withTenantDb(tenant.id, (db) =>
            db.user.findMany({
              where: { active: true, role: { in: ["owner", "admin"] } },
              select: { id: true, email: true, name: true, role: true },
              orderBy: [{ role: "desc" }, { email: "asc" }],
              take: 50,
            }),
          ),
          platform().env.PORTICO_TENANT_TIMEOUT_MS,
          "the tenant's database",
        ).catch(() => null)
      : null;
  // The portal's email domains (decision 044), for owners, who alone may confirm one.
  const emailDomains =
    user.role === "owner" && live
      ? await withTimeout(
          agencyEmailDomains(user, tenant.id),
          platform().env.PORTICO_TENANT_TIMEOUT_MS,
          "the tenant's database",
        ).catch(() => null)
      : null;
  // The tenant's single sign-on, for operators and owners (read from its own database).
  const sso =
    tenant.status === "active" && user.role !== "viewer" ? await tenantSsoForAgency(user, tenant.id) : undefined;
  const saml =
    tenant.status === "active" && user.role !== "viewer" ? await tenantSamlForAgency(user, tenant.id) : undefined;
  const credentialsDays = tenant.database ? daysSince(tenant.database.credentialsRotatedAt) : null;
  const theme = themeSchema.safeParse(tenant.theme);
  const canAct = user.role !== "viewer";
  const subdomain = tenantSubdomainHost(tenant.slug, hosts);
  // Tenants as code (decision 020): which fields tenants/<slug>.ts sets, and which were changed
  // in the product since (kept by every sync unless forced).
  const declared = readDeclaredState(tenant.declared);
  const declaredFields = declared
    ? declaredFieldStatus(
        declared,
        fieldValues({
          name: tenant.name,
          plan: tenant.plan,
          theme: (tenant.theme ?? {}) as Partial<Theme>,
          domains: domainsValue(
            tenant.domains.map((d) => d.hostname),
            tenant.domains.find((d) => d.isPrimary)?.hostname ?? null,
          ),
        }),
      )
    : [];
  const show = (value: unknown) =>
    typeof value === "string"
      ? value
      : Array.isArray(value)
        ? value.join(", ") || "none"
        : value && typeof value === "object"
          ? String((value as { src?: string }).src ?? "")
          : "—";
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/" className="text-slate-500 hover:underline">
          Tenants
        </Link>{" "}
        / {tenant.slug}
      </div>
      <h1 className="text-2xl font-semibold" data-testid="tenant-title">
        {tenant.name}
      </h1>
      <p className="mt-1 text-sm text-slate-500">
        <span data-testid="tenant-status">{tenant.status}</span>
        {tenant.maintenance && <> · in maintenance ({tenant.maintenance})</>} · plan {tenant.plan}
      </p>
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
        <section className="rounded-xl bg-white p-5 ring-1 ring-slate-200">
          <h2 className="font-medium">Where it lives</h2>
          <dl className="mt-3 grid grid-cols-[minmax(6rem,9rem)_minmax(0,1fr)] [overflow-wrap:anywhere] gap-y-1 text-sm">
            <dt className="text-slate-500">Hosts</dt>
            <dd className="font-mono">
              {[subdomain, ...tenant.domains.map((d) => d.hostname + (d.isPrimary ? " (primary)" : ""))].join(", ")}
            </dd>
            <dt className="text-slate-500">Region</dt>
            <dd data-testid="tenant-region">
              {regionLabel(tenant.region)} ({tenant.region})
            </dd>
            <dt className="text-slate-500">Server</dt>
            <dd data-testid="tenant-server">
              {tenant.database
                ? `${tenant.database.server.name} (${tenant.database.server.host}:${tenant.database.server.port}, TLS ${tenant.database.server.sslMode ?? "off"})`
                : "—"}
            </dd>
            <dt className="text-slate-500">Database / role</dt>
            <dd className="font-mono">
              {tenant.database ? `${tenant.database.databaseName} / ${tenant.database.roleName}` : "—"}
            </dd>
            <dt className="text-slate-500">Schema</dt>
            <dd>
              {tenant.database?.schemaVersion ?? "—"}{" "}
              {tenant.database &&
                (tenant.database.schemaVersion === latest ? (
                  <span className="text-emerald-700">current</span>
                ) : (
                  <span className="text-amber-700">behind</span>
                ))}
            </dd>
            <dt className="text-slate-500">Credentials</dt>
            <dd data-testid="credentials-age">
              {tenant.database ? (
                <>
                  set {formatAgo(tenant.database.credentialsRotatedAt)} (
                  {tenant.database.credentialsRotatedAt.toISOString().slice(0, 10)}, sealed with key{" "}
                  {tenant.database.keyId})
                  {credentialsDays !== null && credentialsDays > CREDENTIALS_MAX_AGE_DAYS && (
                    <span className="text-amber-700"> · older than {CREDENTIALS_MAX_AGE_DAYS} days: rotate them</span>
                  )}
                </>
              ) : (
                "—"
              )}
            </dd>
            <dt className="text-slate-500">Mail</dt>
            <dd data-testid="tenant-mail">
              {mail?.dueAt ? `next delivery run ${mail.dueAt.toISOString().slice(11, 16)} UTC` : "nothing waiting"}
              {mail && mail.failed > 0 && (
                <span className="text-red-700">
                  {" "}
                  · {mail.failed} could not be delivered (last {mail.lastFailedAt?.toISOString().slice(0, 16)}:{" "}
                  {mail.lastError})
                </span>
              )}
            </dd>
            {tenant.database?.migrationError && (
              <>
                <dt className="text-slate-500">Last migration</dt>
                <dd className="text-red-700">{tenant.database.migrationError}</dd>
              </>
            )}
          </dl>
        </section>
        <PortalPreview theme={theme.success ? theme.data : FALLBACK_THEME} name={tenant.name} host={subdomain} />
      </div>

      {declared && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="declared-fields">
          <h2 className="font-medium">
            Declared in code: <span className="font-mono text-sm">{declared.file}</span>
          </h2>
          <p className="mt-1 text-sm text-slate-500">
            A restart or <code>npm run tenants -- sync</code> applies a changed declaration to the fields below that
            nobody changed in the product, and keeps the others; <code>sync --force</code> re-applies the file over them
            (audited).
          </p>
          <table className="stack-table mt-3 w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1">field</th>
                <th>in {declared.file}</th>
                <th>now</th>
                <th>source</th>
              </tr>
            </thead>
            <tbody>
              {declaredFields.map((f) => (
                <tr key={f.field} className="border-t border-slate-100" data-testid={`declared-${f.field}`}>
                  <td data-label="Field" className="py-1">
                    {f.label}
                  </td>
                  <td data-label={`In ${declared.file}`} className="font-mono">
                    {show(f.declared)}
                  </td>
                  <td data-label="Now" className="font-mono">
                    {show(f.current)}
                  </td>
                  <td data-label="Source">
                    {f.status === "declared" ? (
                      <span className="text-slate-600">declared in code</span>
                    ) : (
                      <span className="text-amber-700">changed in the product (kept)</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {canAct && live && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200">
          <h2 className="font-medium">Lifecycle</h2>
          <div className="mt-4 grid gap-8 md:grid-cols-2 xl:grid-cols-3">
            {tenant.status === "active" ? (
              <ActionForm
                queue={queueAction}
                kind="suspend"
                slug={slug}
                label="Suspend"
                confirm={`${tenant.name}'s portal goes offline for its visitors and every signed-in user is signed out.`}
              >
                <p className="text-sm text-slate-600">The portal shows a notice; every session stops working.</p>
              </ActionForm>
            ) : (
              <ActionForm queue={queueAction} kind="resume" slug={slug} label="Resume">
                <p className="text-sm text-slate-600">Bring the portal back online.</p>
              </ActionForm>
            )}
            <ActionForm queue={queueAction} kind="rename" slug={slug} label="Rename">
              <Field tone="agency" label="Name" name="name">
                {(c) => <Input {...c} tone="agency" density="compact" name="name" defaultValue={tenant.name} />}
              </Field>
            </ActionForm>
            <ActionForm
              queue={queueAction}
              kind="set-domains"
              slug={slug}
              label="Save domains"
              confirm="Domains you remove stop reaching this portal at once."
            >
              <Field tone="agency" label="Custom domains (first is primary)" name="domains">
                {(c) => (
                  <Textarea
                    {...c}
                    tone="agency"
                    density="compact"
                    name="domains"
                    rows={2}
                    defaultValue={tenant.domains.map((d) => d.hostname).join("\n")}
                    className="font-mono"
                  />
                )}
              </Field>
            </ActionForm>
            <ActionForm queue={queueAction} kind="export" slug={slug} label="Export data">
              <p className="text-sm text-slate-600">
                A .tar.gz of every table with a manifest of row counts and checksums.
              </p>
            </ActionForm>
            <ActionForm
              queue={queueAction}
              kind="move"
              slug={slug}
              label="Move"
              confirm="The portal shows a maintenance notice while its data is copied and verified (seconds for most tenants)."
            >
              <Field tone="agency" label="To server" name="server">
                {(c) => (
                  <Select {...c} tone="agency" density="compact" name="server">
                    {servers
                      .filter((s) => s.name !== tenant.database?.server.name)
                      .map((s) => (
                        <option key={s.name} value={s.name}>
                          {s.name} ({regionLabel(s.region)}
                          {s.region === tenant.region ? "" : ", outside the tenant's region"})
                        </option>
                      ))}
                  </Select>
                )}
              </Field>
              {servers.some((s) => s.region !== tenant.region) &&
                (user.role === "owner" ? (
                  <div className="space-y-2 rounded-lg bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
                    <p className="text-amber-900">
                      Its data stays in {regionLabel(tenant.region)}. Only to move it to a server in another region,
                      confirm as the agency owner: type its slug and the target region (audited).
                    </p>
                    <Field tone="agency" label="Type the slug to leave the region" name="confirmRegionSlug">
                      {(c) => (
                        <Input
                          {...c}
                          tone="agency"
                          density="compact"
                          name="confirmRegionSlug"
                          autoComplete="off"
                          className="font-mono"
                        />
                      )}
                    </Field>
                    <Field tone="agency" label="Type the target region (e.g. us)" name="confirmRegion">
                      {(c) => (
                        <Input
                          {...c}
                          tone="agency"
                          density="compact"
                          name="confirmRegion"
                          autoComplete="off"
                          className="font-mono"
                        />
                      )}
                    </Field>
                  </div>
                ) : (
                  <p className="text-sm text-slate-600" data-testid="region-move-owner-only">
                    A server outside {regionLabel(tenant.region)} needs an agency owner&apos;s confirmation.
                  </p>
                ))}
            </ActionForm>
            <ActionForm queue={queueAction} kind="offboard" slug={slug} label="Offboard" confirmSlug tone="danger">
              <p className="text-sm text-slate-600">
                Exports everything, then drops the database, role and domains and ends every session.
              </p>
            </ActionForm>
          </div>
        </section>
      )}

      {live && (
        <BackupsPanel
          slug={slug}
          queue={queueAction}
          backups={backups.backups}
          summary={backups.summary}
          canAct={canAct}
          isOwner={user.role === "owner"}
          now={new Date()}
        />
      )}

      {tenant.status === "active" && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="impersonation">
          <h2 className="font-medium">Open the portal as its admin</h2>
          {user.role !== "owner" ? (
            <p className="mt-2 text-sm text-slate-600" data-testid="impersonation-refused">
              Only agency owners can open a tenant&apos;s portal as its admin. You are{" "}
              {user.role === "viewer" ? "a viewer" : "an operator"}.
            </p>
          ) : admins === null ? (
            <p className="mt-2 text-sm text-red-700">Its database could not be read, so its admins cannot be listed.</p>
          ) : (
            <div className="mt-3 max-w-lg">
              <p className="mb-3 text-sm text-slate-600">
                A single-use link valid for 60 seconds; the session lasts 30 minutes at most, shows a banner throughout,
                and every step is in the audit log.
              </p>
              <ImpersonateForm start={startImpersonation} slug={slug} admins={admins} />
            </div>
          )}
        </section>
      )}

      {live && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="email-domains">
          <h2 className="font-medium">Email domains</h2>
          {user.role !== "owner" ? (
            <p className="mt-2 text-sm text-slate-600" data-testid="email-domains-refused">
              Only agency owners can see and confirm a tenant&apos;s email domains. You are{" "}
              {user.role === "viewer" ? "a viewer" : "an operator"}.
            </p>
          ) : emailDomains === null ? (
            <p className="mt-2 text-sm text-red-700">
              Its database could not be read, so its domains cannot be listed.
            </p>
          ) : (
            <div className="mt-3 grid gap-6 md:grid-cols-2">
              <ul className="space-y-1 text-sm" data-testid="tenant-email-domains">
                {emailDomains.map((d) => (
                  <li key={d.id} data-domain={d.domain} className="[overflow-wrap:anywhere]">
                    <span className="font-mono">{d.domain}</span>{" "}
                    {d.verified ? (
                      <span className="text-emerald-700">
                        verified ({d.method === "agency" ? "agency confirmation" : "DNS"}, {d.verifiedBy})
                      </span>
                    ) : (
                      <span className="text-amber-700">not verified</span>
                    )}
                  </li>
                ))}
                {emailDomains.length === 0 && <li className="text-slate-500">The portal lists no email domains.</li>}
              </ul>
              <div className="max-w-lg">
                <p className="mb-3 text-sm text-slate-600">
                  A domain is verified by a DNS TXT record its admins publish, or by your confirmation here when they
                  cannot: confirm only what the client proved to you another way. Recorded in the audit log.
                </p>
                <EmailDomainConfirmForm
                  slug={slug}
                  pending={emailDomains.filter((d) => !d.verified).map((d) => d.domain)}
                  confirm={confirmEmailDomain}
                />
              </div>
            </div>
          )}
        </section>
      )}

      {tenant.status === "active" && canAct && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="tenant-sso">
          <h2 className="font-medium">Single sign-on (OpenID Connect)</h2>
          {sso === undefined ? (
            <p className="mt-2 text-sm text-red-700">
              Its database could not be read, so its sign-in settings cannot be shown.
            </p>
          ) : (
            <div className="mt-3">
              <p className="mb-3 text-sm text-slate-600">
                Changes are audited. A connection is turned on only after a tenant admin&apos;s successful test sign-in
                (Settings in the portal); password sign-in always stays available.
              </p>
              <SsoConnectionForm
                tone="agency"
                connection={ssoFormProps(sso)}
                labels={AGENCY_SSO_LABELS}
                redirectUris={ssoRedirectUris([subdomain, ...tenant.domains.map((d) => d.hostname)], publicLink)}
                save={saveTenantSso}
                setEnabled={setTenantSsoEnabled}
                remove={removeTenantSso}
                hidden={{ slug: tenant.slug }}
              />
            </div>
          )}
        </section>
      )}

      {tenant.status === "active" && canAct && (
        <section className="mt-8 rounded-xl bg-white p-5 ring-1 ring-slate-200" data-testid="tenant-saml">
          <h2 className="font-medium">Single sign-on (SAML 2.0)</h2>
          {saml === undefined ? (
            <p className="mt-2 text-sm text-red-700">
              Its database could not be read, so its sign-in settings cannot be shown.
            </p>
          ) : (
            <div className="mt-3">
              <p className="mb-3 text-sm text-slate-600">
                Changes are audited. A change of identity provider turns the connection off until a tenant admin&apos;s
                successful test sign-in (Settings in the portal); password sign-in always stays available.
              </p>
              <SamlConnectionForm
                tone="agency"
                connection={samlFormProps(saml)}
                labels={AGENCY_SAML_LABELS}
                serviceProvider={samlServiceProviderValues(
                  tenant.domains.find((d) => d.isPrimary)?.hostname ?? subdomain,
                )}
                save={saveTenantSaml}
                setEnabled={setTenantSamlEnabled}
                remove={removeTenantSaml}
                hidden={{ slug: tenant.slug }}
              />
            </div>
          )}
        </section>
      )}

      <div className="mt-8 grid gap-6 lg:grid-cols-2">
        <section>
          <h2 className="font-medium">Migration history</h2>
          {history === null ? (
            <p className="mt-2 text-sm text-slate-500">This tenant has no live database.</p>
          ) : history.error ? (
            <p className="mt-2 text-sm text-red-700" data-testid="migration-history-error">
              Its database could not be read: {history.error}
            </p>
          ) : (
            <ul className="mt-2 space-y-1 text-sm" data-testid="migration-history">
              {history.applied.map((m) => (
                <li key={m.name} data-migration={m.name}>
                  <span className={m.finishedAt ? "text-emerald-700" : "text-red-700"}>
                    {m.finishedAt ? "✓" : "✗ unfinished"}
                  </span>{" "}
                  <span className="font-mono text-xs">{m.name}</span>{" "}
                  <span className="text-slate-500">· {m.startedAt.toISOString().slice(0, 19).replace("T", " ")}</span>
                  {!m.checksumMatches && <span className="text-amber-700"> · differs from the shipped file</span>}
                </li>
              ))}
              {history.pending.map((name) => (
                <li key={name} data-migration={name} className="text-amber-700">
                  … <span className="font-mono text-xs">{name}</span> pending
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h2 className="font-medium">Provisioning history</h2>
          <ul className="mt-2 space-y-2 text-sm" data-testid="provisioning-history">
            {jobs.map((j) => (
              <li key={j.id}>
                <span className={j.status === "failed" ? "text-red-700" : "text-slate-700"}>{j.status}</span>{" "}
                <span className="text-slate-500">{j.startedAt.toISOString().slice(0, 19).replace("T", " ")}</span>
                {j.error && (
                  <span className="text-red-700">
                    {" "}
                    · {j.step}: {j.error}
                  </span>
                )}
                <div className="text-xs text-slate-500">
                  {j.steps.map((st) => `${st.status === "succeeded" ? "✓" : "✗"} ${st.name}`).join("  ")}
                </div>
              </li>
            ))}
            {jobs.length === 0 && <li className="text-slate-500">No provisioning runs recorded.</li>}
          </ul>
        </section>
        <section>
          <h2 className="font-medium">
            Audit log{" "}
            <Link href={`/audit?tenant=${slug}`} className="text-sm font-normal text-sky-700 hover:underline">
              all entries
            </Link>
          </h2>
          <ul className="mt-2 space-y-1 text-sm" data-testid="tenant-audit">
            {audit.map((a) => (
              <li key={String(a.id)} data-action={a.action}>
                <span className="font-mono text-xs">{a.action}</span>{" "}
                <span className="text-slate-500">
                  · {a.actorLabel} · {a.at.toISOString().slice(0, 19).replace("T", " ")}
                </span>
              </li>
            ))}
            {audit.length === 0 && <li className="text-slate-500">Nothing recorded for this tenant.</li>}
          </ul>
        </section>
      </div>

      <section className="mt-8">
        <h2 className="font-medium">Operations</h2>
        <ul className="mt-2 space-y-1 text-sm" data-testid="tenant-operations">
          {operations.map((o) => (
            <li key={o.id}>
              <Link href={`/operations/${o.id}`} className="text-sky-700 hover:underline">
                {OPERATION_LABELS[o.kind as OperationKind] ?? o.kind}
              </Link>{" "}
              <span className={o.status === "failed" ? "text-red-700" : "text-slate-500"}>{o.status}</span>{" "}
              <span className="text-slate-500">
                · {o.actorLabel} · {o.createdAt.toISOString().slice(0, 19).replace("T", " ")}
              </span>
            </li>
          ))}
          {operations.length === 0 && <li className="text-slate-500">None from the dashboard yet.</li>}
        </ul>
      </section>
    </>
  );
}

/** The agency dashboard is in English. */
const AGENCY_SSO_LABELS: SsoFormLabels = {
  displayName: "Button name",
  displayNameHint: "Shown as \u201cSign in with \u2026\u201d on the portal's sign-in page.",
  issuer: "Issuer URL",
  issuerHint: "The provider's issuer; Portico checks its /.well-known/openid-configuration before saving.",
  clientId: "Client id",
  clientSecret: "Client secret",
  clientSecretKept: "A secret is stored and never shown; leave this empty to keep it.",
  scopes: "Scopes",
  roleClaim: "Role claim",
  roleClaimHint: "e.g. groups. Empty: everyone gets the default role.",
  roleMap: "Role mapping",
  roleMapHint: "One per line: claim value = member, staff or admin.",
  defaultRole: "Role when no value matches",
  roles: { member: "Member", staff: "Staff", admin: "Admin" },
  redirectUris: "Redirect URIs to register at the provider",
  save: "Save connection",
  saving: "Checking the provider\u2026",
  status: "Status",
  on: "on for members",
  off: "off",
  tested: "test sign-in succeeded",
  untested: "not tested since the last change",
  test: "Test sign-in",
  testHint: "",
  enable: "Turn on for members",
  disable: "Turn off",
  remove: "Remove connection",
  removeConfirm: "Yes, remove it",
  removeWarning: "Its members who used single sign-on will need a password or an email link.",
  cancel: "Cancel",
};

const AGENCY_SAML_LABELS: SamlFormLabels = {
  ...AGENCY_SSO_LABELS,
  displayName: "Name on the sign-in button",
  idpEntityId: "IdP entity id",
  idpEntityIdHint: "The entityID in the identity provider's metadata.",
  idpSsoUrl: "IdP single sign-on URL",
  idpSsoUrlHint: "Where people are sent to sign in (HTTP-Redirect binding), https://.",
  idpCertificate: "IdP signing certificate",
  idpCertificateHint: "PEM (-----BEGIN CERTIFICATE-----).",
  certificateSubject: "Certificate subject",
  certificateExpires: "Expires",
  certificateFingerprint: "SHA-256 fingerprint",
  certificateExpiresSoon: "expires within 30 days: upload the IdP's new certificate",
  emailAttribute: "Email attribute",
  nameAttribute: "Name attribute",
  groupsAttribute: "Group attribute",
  groupsAttributeHint: "e.g. groups. No mapped group: the default role.",
  roleMap: "Group mapping",
  roleMapHint: "One per line: group = member, staff or admin.",
  defaultRole: "Role when no group matches",
  spValues: "Values to give the identity provider",
  spEntityId: "Entity id (audience)",
  spAcsUrl: "ACS URL (reply URL)",
  spMetadataUrl: "Metadata URL",
  save: "Save SAML connection",
  saving: "Checking\u2026",
};
