/**
 * The import rules of docs/architecture.md, checked by `npm run lint`.
 * lib/ is layered: a folder may import its own files and folders of lower layers, never a higher
 * one and never a sibling of its own layer. Above lib/ sit components/, app/ and the scripts.
 */
const LAYERS = [
  ["util", "format", "observability"],
  ["http", "migrations", "db"],
  ["jobs"],
  ["tenancy", "mail", "audit"],
  ["config"],
  ["platform"],
  ["security"],
  ["auth"],
  ["provisioning"],
  ["bootstrap", "lifecycle", "fleet-migration"],
  ["backups"],
  ["operations"],
  ["portal", "agency"],
  ["actions"],
];

const folder = (name) => `^lib/${name}/`;
const layered = [];
LAYERS.forEach((layer, rank) => {
  for (const name of layer) {
    const notAllowed = [...LAYERS.slice(rank + 1).flat(), ...layer.filter((other) => other !== name)];
    if (notAllowed.length === 0) continue;
    layered.push({
      name: `lib-${name}-layer`,
      comment: `lib/${name} may import only its own layer's folder and lower layers (docs/architecture.md)`,
      severity: "error",
      from: { path: folder(name) },
      to: { path: `^lib/(${notAllowed.join("|")})/` },
    });
  }
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Modules must not import each other, directly or through others",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layered,
    {
      name: "lib-in-a-layer",
      comment: "Every file of lib/ lives in one of the layered folders (docs/architecture.md)",
      severity: "error",
      from: { path: "^lib/", pathNot: [`^lib/(${LAYERS.flat().join("|")})/`, "^lib/db/generated/"] },
      to: {},
    },
    {
      name: "lib-not-upward",
      comment: "lib/ is below components/, app/, scripts/ and tenants/",
      severity: "error",
      from: { path: "^lib/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^(app|components|scripts|tenants|test|e2e|bench)/" },
    },
    {
      name: "components-not-app",
      comment: "components/ is below app/: a page passes its server actions to client components as props",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^(app|scripts)/" },
    },
    {
      name: "app-not-scripts",
      comment: "The web app never imports the command-line scripts",
      severity: "error",
      from: { path: "^(app|proxy\\.ts|instrumentation\\.ts)" },
      to: { path: "^(scripts|bench|test|e2e)/" },
    },
    {
      name: "tenants-only-spec",
      comment: "tenants/*.ts declare tenants with lib/provisioning/spec.ts and nothing else",
      severity: "error",
      from: { path: "^tenants/" },
      to: { path: "^(lib|app|components|scripts)/", pathNot: "^lib/provisioning/spec\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.next|\\.data)/|^lib/db/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
