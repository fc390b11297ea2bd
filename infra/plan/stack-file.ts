// Loads a stack's configuration the way the Pulumi CLI hands it to the program: project defaults
// from Pulumi.yaml, overridden by Pulumi.<stack>.yaml, every value a string (objects as JSON).
//
// No Pulumi CLI here, so `secure:` values cannot be decrypted: each is replaced by a FAKE value
// (`fakeSecret(key)`) and reported as a secret key, so the program still treats it as a secret. The
// placeholders in Pulumi.dev.yaml are not real ciphertexts either: `pulumi config set --secret`
// replaces them on a real stack.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

export interface LoadedStackConfig {
  readonly project: string;
  /** Fully qualified key ("sekoia-flowlogs:targets", "azure-native:location") -> string value. */
  readonly config: Record<string, string>;
  /** Keys whose value was `secure:` (given a fake value). */
  readonly secretKeys: string[];
}

type Declaration = { default?: unknown; value?: unknown } | string | number | boolean | unknown[];

/** The stack file `npm run plan` was asked for does not exist; the message says how to make one. */
export class MissingStackFileError extends Error {
  constructor(stack: string, root: string) {
    const others = readdirSync(root)
      .map((f) => /^Pulumi\.([\w.-]+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
    super(
      `Pulumi.${stack}.yaml: no such stack file in ${root}, so there is no configuration to plan for the stack ${stack}` +
        `${others.length > 0 ? ` (stack files here: ${others.join(", ")})` : ""}. To make it, either:\n` +
        `  - pulumi stack init ${stack}, then set its configuration with pulumi config set (docs/quick-start.md, docs/deployment.md); or\n` +
        `  - cp Pulumi.dev.yaml Pulumi.${stack}.yaml and edit it, replacing each secure: placeholder with pulumi config set --secret <key> <value>.`,
    );
    this.name = "MissingStackFileError";
  }
}

const asText = (v: unknown): string => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
const qualify = (project: string, key: string): string => (key.includes(":") ? key : `${project}:${key}`);

export function loadStackConfig(
  stack: string,
  root: string,
  fakeSecret: (key: string) => string = (key) => `FAKE-SECRET-${key.split(":").pop()}`,
): LoadedStackConfig {
  const projectFile = yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, Declaration>;
  };
  const project = projectFile.name;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, decl] of Object.entries(projectFile.config ?? {})) {
    // Typed declarations carry `default` (or `value`); the short-hand form is the value itself.
    const value = typeof decl === "object" && decl !== null && !Array.isArray(decl) ? (decl.default ?? decl.value) : decl;
    if (value !== undefined && value !== null) config[qualify(project, key)] = asText(value);
  }
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) throw new MissingStackFileError(stack, root);
  const stackConfig = (yaml.load(readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  for (const [key, value] of Object.entries(stackConfig)) {
    const full = qualify(project, key);
    if (typeof value === "object" && value !== null && "secure" in value) {
      config[full] = fakeSecret(full);
      secretKeys.push(full);
    } else {
      config[full] = asText(value);
    }
  }
  return { project, config, secretKeys: secretKeys.sort() };
}
