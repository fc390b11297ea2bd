// Bundles the forwarder into one CommonJS file, forwarder/dist/forwarder.js, which is all the
// container image holds. @azure/storage-common reads `import.meta.url` (for createRequire), which
// CommonJS output leaves empty, so it is defined from the bundle's own path.

import { build } from "esbuild";

await build({
  entryPoints: ["forwarder/main.ts"],
  outfile: "forwarder/dist/forwarder.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: false,
  sourcemap: "linked",
  legalComments: "external",
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});
