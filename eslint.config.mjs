// Lint rules for the whole repository: typescript-eslint's recommended rules, type-aware where a
// mistake is silent at run time (a promise nobody awaits), no import cycle between files, and the
// forwarder's layers importing one way only (forwarder/README.md): main -> service, commands -> poll
// -> source, decode, sink, checkpoints -> contract, errors, log, metrics; infra/'s the same way (below). no-cycle skips type-only
// imports; the layer zones do not, so no cycle hides behind a type either.

import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const F = "./forwarder";
const LEAVES = [`${F}/contract.ts`, `${F}/errors.ts`, `${F}/log.ts`, `${F}/metrics.ts`];
const ABOVE_PARTS = [`${F}/main.ts`, `${F}/config.ts`, `${F}/service`, `${F}/commands`, `${F}/poll`];

const I = "./infra";
const INFRA_ROOT = [`${I}/index.ts`, `${I}/sekoia-flow-logs.ts`, `${I}/register-children.ts`, `${I}/component-outputs.ts`];
const INFRA_FOLDERS = ["config", "estate", "network", "storage", "forwarder", "monitoring", "sekoia"];
/** infra/: the stack shell -> the component -> its concern folders -> config/; plan/ (offline tooling) above all, imported by nothing that deploys. */
const INFRA_MAY_IMPORT = {
  config: [],
  network: ["config"],
  storage: ["config"],
  forwarder: ["config"],
  sekoia: ["config"],
  monitoring: ["config", "forwarder"],
  estate: ["config", "network", "storage"],
};
const INFRA_LAYERS = [
  ...Object.entries(INFRA_MAY_IMPORT).map(([folder, allowed]) => ({
    target: `${I}/${folder}`,
    from: [...INFRA_ROOT, `${I}/plan`, ...INFRA_FOLDERS.filter((f) => f !== folder && !allowed.includes(f)).map((f) => `${I}/${f}`)],
  })),
  { target: [`${I}/sekoia-flow-logs.ts`, `${I}/register-children.ts`, `${I}/component-outputs.ts`], from: [`${I}/index.ts`, `${I}/plan`] },
  { target: [`${I}/register-children.ts`, `${I}/component-outputs.ts`], from: `${I}/sekoia-flow-logs.ts` },
  { target: `${I}/index.ts`, from: `${I}/plan` },
];

/** What each layer may not import: nothing above it, and no sibling but the ones named. */
const LAYERS = [
  { target: LEAVES, from: F, except: ["./contract.ts"] },
  { target: `${F}/decode`, from: [...ABOVE_PARTS, `${F}/source`, `${F}/sink`, `${F}/checkpoints`] },
  { target: `${F}/sink`, from: [...ABOVE_PARTS, `${F}/source`, `${F}/decode`, `${F}/checkpoints`] },
  // A checkpoint records a position in a source blob; the source knows nothing of checkpoints.
  { target: `${F}/source`, from: [...ABOVE_PARTS, `${F}/decode`, `${F}/sink`, `${F}/checkpoints`] },
  { target: `${F}/checkpoints`, from: [...ABOVE_PARTS, `${F}/decode`, `${F}/sink`] },
  { target: `${F}/config.ts`, from: [`${F}/main.ts`, `${F}/service`, `${F}/commands`, `${F}/poll`] },
  { target: `${F}/poll`, from: [`${F}/main.ts`, `${F}/service`, `${F}/commands`] },
  { target: `${F}/service`, from: [`${F}/main.ts`, `${F}/commands`] },
  { target: `${F}/commands`, from: `${F}/main.ts` },
  { target: F, from: "./infra" },
  // The Pulumi program shares only the contract with the forwarder.
  { target: "./infra", from: F, except: ["./contract.ts"] },
  ...INFRA_LAYERS,
];

export default tseslint.config(
  { ignores: ["node_modules/", "forwarder/dist/", "**/*.cjs"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".mts", ".js", ".mjs", ".json"] })] },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones: LAYERS }],
      // `let x!: T` assigned once after the closures that use it are made cannot be const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // `const { dropped: _dropped, ...kept } = value` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, varsIgnorePattern: "^_", argsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests probe what mocks received (loosely typed) and hand async handlers to node:http.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
    },
  },
);
