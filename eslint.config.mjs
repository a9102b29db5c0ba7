import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

// Next.js's own rules (React, hooks, a11y, import, Core Web Vitals) plus
// typescript-eslint's recommended rules, as `next lint` used to configure them; layout is
// Prettier's alone, so rules that would fight it are off (eslint-config-prettier, last).
export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      // `const { SECRET: _s, ...rest } = obj` is how the code drops keys from a copy.
      "@typescript-eslint/no-unused-vars": ["warn", { ignoreRestSiblings: true }],
    },
  },
  prettier,
  globalIgnores([
    ".next/**",
    "out/**",
    "build/**",
    "next-env.d.ts",
    // Prisma clients written by scripts/generate.mjs on install.
    "lib/db/generated/**",
    "test-results/**",
    "reports/**",
    "playwright-report/**",
    "bench/results/**",
    "public/**",
  ]),
]);
