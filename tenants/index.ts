/**
 * Tenants as code. Each file declares one tenant (slug, name, domains, theme, owner, demo
 * content); `npm run dev`, `npm start` and `npm run tenants -- sync` provision any that are
 * missing and update the declared fields of those that exist, except a field changed in the
 * product since, which is kept (`sync --force` re-applies; docs/decisions/020). Demo users are
 * seeded by `npm run dev` (or `sync --demo`) only. Add a tenant by adding a file and listing it here.
 */
import acme from "./acme.ts";
import globex from "./globex.ts";
import initech from "./initech.ts";

export const declaredTenants = [acme, globex, initech];
