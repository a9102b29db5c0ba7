/** The e2e server's port (playwright.config.ts starts it there). */
export const port = Number(process.env.E2E_PORT ?? 3100);
