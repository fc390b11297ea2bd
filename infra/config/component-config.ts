// Validates the component's arguments with the same rules, and the same messages, as the stack
// configuration: each argument is named like its stack config key, so `parseStackConfig` reads the
// arguments as the engine's strings. What the component may take as a Pulumi output (the secrets) is
// checked for presence only, then passed on as given: its plain value is never needed before deployment.
import * as pulumi from "@pulumi/pulumi";
import { clock, parseStackConfig, PROVIDER_KEYS, SECRET_KEYS, type RawConfig, type StackConfig } from "./stack-config";

type SecretKey = (typeof SECRET_KEYS)[number];

/** What the component's args look like to validation: config keys, each a plain value or (secrets) an input. */
export type ComponentArgValues = Readonly<Record<string, unknown>> & Partial<Record<SecretKey, pulumi.Input<string>>>;

/** Stands for a secret given as an output: set, value unknown until deployment. */
const SECRET_GIVEN = "<secret>";

/**
 * The shared region and subscription default to the stack's `azure-native:location` and
 * `azure-native:subscriptionId`, like azure-native's own default provider; the provider settings
 * (credentials, cloud) are always the stack's, which every explicit provider of the component gets.
 */
export function configFromArgs(args: ComponentArgValues, now: Date = clock.now()): { config: StackConfig; warnings: string[] } {
  const raw: Record<string, string | undefined> = {};
  for (const key of PROVIDER_KEYS) raw[key] = pulumi.runtime.getConfig(key);
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (key === "location" || key === "subscriptionId") raw[`azure-native:${key}`] = String(value);
    else if ((SECRET_KEYS as readonly string[]).includes(key)) raw[key] = typeof value === "string" ? value : SECRET_GIVEN;
    else raw[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const { config, warnings } = parseStackConfig(raw as RawConfig, now);
  return { config: withSecretInputs(config, args), warnings };
}

/** The validated config with each secret replaced by the input the caller gave, kept secret. */
function withSecretInputs(config: StackConfig, args: ComponentArgValues): StackConfig {
  const given = (key: SecretKey): pulumi.Output<string> | undefined => {
    const value = args[key];
    return value === undefined || typeof value === "string" ? undefined : pulumi.secret(value);
  };
  const intakeKeys = Object.fromEntries(
    Object.entries(config.intakeKeys).map(([family, key]) => [family, given(family === "nsg" ? "sekoiaNsgIntakeKey" : "sekoiaVnetIntakeKey") ?? key]),
  );
  const apiKey = given("sekoiaApiKey");
  const password = given("forwarderImageRegistryPassword");
  const pull = config.forwarderImagePull;
  return {
    ...config,
    intakeKeys,
    ...(config.sekoiaApi && apiKey ? { sekoiaApi: { ...config.sekoiaApi, apiKey } } : {}),
    ...(pull?.kind === "password" && password ? { forwarderImagePull: { ...pull, password } } : {}),
  };
}
