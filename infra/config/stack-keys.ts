// What only the stack shell (infra/index.ts) can check, since only it reads the stack configuration:
// the component gets its args by name, and TypeScript refuses an unknown one; a stack file takes any
// key. A misspelled key (`retentionDay: 90`) was silently ignored, so retention stayed 30 days: every
// key of the project's namespace that the program does not read is an error naming the nearest key
// it does read, and a required key reported missing points at the misspelled one set beside it.
// An intake key or API key set without `--secret` was accepted, printed by `npm run plan` (into CI
// logs) and kept in clear in the stack file: a secret key whose value the engine does not mark secret
// is an error too.
import * as pulumi from "@pulumi/pulumi";
import { nearest } from "./nearest";
import { DEFAULTS, OPTIONAL_OBJECT_KEYS, PROJECT, PROVIDER_KEYS, REQUIRED_KEYS, SECRET_KEYS, StackConfigError, type RawConfig } from "./stack-config";

/** Every key of the project's namespace the program reads (Pulumi.yaml declares exactly these). */
export const PROJECT_KEYS: readonly string[] = [...REQUIRED_KEYS, ...OPTIONAL_OBJECT_KEYS, ...Object.keys(DEFAULTS)];

const isProjectKey = (key: string): boolean => PROJECT_KEYS.includes(key);
/** Short project keys as is, provider keys qualified (`azure-native:location`). */
const isKnownKey = (key: string): boolean => (key.includes(":") ? PROVIDER_KEYS.includes(key) : isProjectKey(key));

/**
 * The stack's values as the engine hands them over: every key of the project's namespace (short,
 * `targets`), known or not, and the provider keys the program reads (qualified). Objects are JSON.
 */
export function readRawConfig(): RawConfig {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(all)) if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
  for (const key of PROVIDER_KEYS) raw[key] = all[key];
  return raw;
}

/** The known key an unknown one is a misspelling of: a project key (short) or a provider key (qualified). */
function intendedKey(unknown: string): string | undefined {
  const providerShort = PROVIDER_KEYS.map((k) => k.slice(k.indexOf(":") + 1));
  const guess = nearest(unknown, [...PROJECT_KEYS, ...providerShort]);
  if (guess === undefined) return undefined;
  return isProjectKey(guess) ? guess : PROVIDER_KEYS[providerShort.indexOf(guess)];
}

const qualified = (key: string): string => (key.includes(":") ? key : `${PROJECT}:${key}`);

/** One problem per key of the project's namespace that the program does not read. */
export function unknownKeyProblems(raw: RawConfig): string[] {
  return Object.keys(raw)
    .filter((key) => !isKnownKey(key))
    .sort()
    .map((key) => {
      const intended = intendedKey(key);
      const found = `${qualified(key)}: found a key this project does not read (a stack file takes any key, so nothing else reports it)`;
      if (intended === undefined) {
        return `${found}, expected one of the keys Pulumi.yaml declares (docs/configuration.md); ` + `remove it with \`pulumi config rm ${key}\``;
      }
      return (
        `${found}, expected a key of the project: did you mean \`${qualified(intended)}\`? ` +
        `Move the value: \`pulumi config rm ${key}\`, then \`pulumi config set ${intended} <value>\` (with --path for an object, --secret for a secret)`
      );
    });
}

/**
 * Whether the engine handed `key` (qualified) over as a secret (`secure:` in the stack file, or
 * `--secret`). The language host passes the names of those keys with the configuration
 * (PULUMI_CONFIG_SECRET_KEYS, `setAllConfig`'s second argument under mocks); the SDK reads them in
 * runtime/config.js's `isConfigSecret`, which its typings leave out (test/infra/config/stack-keys.test.ts
 * checks it is there). Without it nothing can be told, and nothing is refused.
 */
export function isEngineSecret(key: string): boolean {
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return typeof isConfigSecret !== "function" || isConfigSecret(key);
}

/** One problem per secret key (SECRET_KEYS) set to a value the engine does not hold as a secret; values are never repeated. */
export function plainSecretProblems(raw: RawConfig, stack: string, isSecret: (qualifiedKey: string) => boolean = isEngineSecret): string[] {
  return SECRET_KEYS.filter((key) => (raw[key]?.trim() ?? "") !== "" && !isSecret(qualified(key))).map(
    (key) =>
      `${key}: found a plain value (set without --secret), expected a secret: npm run plan would print it and Pulumi.${stack}.yaml keeps it in clear text. ` +
      `Set it again with \`pulumi config set --secret ${key} <value>\`, and rotate it if that file was committed or shared`,
  );
}

/**
 * `problems` with each "<key>: found nothing" completed by the unknown key set in its place, e.g.
 * `targets: found nothing, ... (did you mean \`sekoia-flowlogs:target\`, which is set?)`.
 */
export function withMisspelledKeyHints(problems: readonly string[], raw: RawConfig): string[] {
  const misspelled = new Map<string, string[]>();
  for (const key of Object.keys(raw)
    .filter((k) => !isKnownKey(k))
    .sort()) {
    const intended = intendedKey(key);
    if (intended !== undefined) misspelled.set(intended, [...(misspelled.get(intended) ?? []), key]);
  }
  return problems.map((problem) => {
    const key = [...misspelled.keys()].find((k) => problem.startsWith(`${k}: found nothing`));
    if (key === undefined) return problem;
    const set = misspelled.get(key)!.map((k) => `\`${qualified(k)}\``);
    return `${problem} (did you mean ${set.join(" or ")}, which ${set.length === 1 ? "is" : "are"} set?)`;
  });
}

/**
 * Throws a StackConfigError with `problems` (the stack shell's own) and those `validate` (the
 * component's validation of the same configuration) reports, every one at once, when there are any.
 */
export function rejectStackConfig(problems: readonly string[], raw: RawConfig, validate: () => unknown): void {
  if (problems.length === 0) return;
  let more: readonly string[] = [];
  try {
    validate();
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    more = error.problems;
  }
  throw new StackConfigError(withMisspelledKeyHints([...problems, ...more], raw));
}
