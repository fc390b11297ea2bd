// Loads a stack's configuration the way the Pulumi CLI hands it to the program: project defaults
// from Pulumi.yaml, overridden by Pulumi.<stack>.yaml, every value a string (objects as JSON).
//
// No Pulumi CLI here, so `secure:` values cannot be decrypted: each is replaced by a FAKE value
// (`fakeSecret(key)`) and reported as a secret key, so the program still treats it as a secret. The
// placeholders in Pulumi.dev.yaml are not real ciphertexts either: `pulumi config set --secret`
// replaces them on a real stack.
import { readFileSync } from "node:fs";
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
