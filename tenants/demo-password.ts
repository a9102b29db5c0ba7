/** The password of every demo user in tenants/: development only, printed by `npm run dev`. */
export const DEMO_PASSWORD = "portico-demo";
