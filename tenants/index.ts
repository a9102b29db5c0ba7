/**
 * Tenants as code. Each file declares one tenant (slug, name, domains, theme, demo content);
 * `npm run dev` and `npm run tenants -- sync` provision any that are missing and update the
 * branding of those that exist. Add a tenant by adding a file and listing it here.
 */
import acme from "./acme.ts";
import globex from "./globex.ts";
import initech from "./initech.ts";

export const declaredTenants = [acme, globex, initech];
