// The stack's Sekoia intakes, when sekoiaApiKey and sekoiaEntityUuid are set: one SekoiaIntake per
// kind of flow log targeted, with the format Sekoia parses that kind with, whose key goes to the
// forwarder. Without them the intake keys come from the stack configuration (config.ts).
import * as pulumi from "@pulumi/pulumi";
import type { FlowLogFamily } from "../config/arm-id";
import type { SekoiaApiConfig } from "../config/stack-config";
import { SekoiaIntake } from "./sekoia-intake";

/** Intake format per kind (SEKOIA-IO/intake-formats manifests; shared/reference/sekoia-api.md). */
export const INTAKE_FORMATS: Readonly<Record<FlowLogFamily, string>> = {
  // "Azure Network Watcher": NSG flow logs.
  nsg: "340e3bc7-2b76-48e4-9833-e971451b2979",
  // "Azure Network Watcher Flow Logs": VNet, subnet and NIC flow logs.
  vnet: "99a97295-dad0-4deb-af50-521c76cad45d",
};

/** `<prefix>-<kind>`; the default prefix names the project and stack, so two stacks' intakes differ. */
export function intakeName(prefix: string, stack: string, family: FlowLogFamily): string {
  return `${prefix || `azure-flowlogs-${stack}`}-${family}`;
}

export class SekoiaIntakes extends pulumi.ComponentResource {
  /** Per kind: the intake. */
  public readonly intakes: Readonly<Partial<Record<FlowLogFamily, SekoiaIntake>>>;
  /** Per kind: the intake key, secret, for the forwarder's Container App secrets. */
  public readonly intakeKeys: Readonly<Partial<Record<FlowLogFamily, pulumi.Output<string>>>>;
  /** uuid, name and kind of each intake (nothing secret), sorted by kind. */
  public readonly summary: pulumi.Output<{ kind: FlowLogFamily; name: string; uuid: string }[]>;

  /**
   * `args` as config.ts validated them: a change of url, entityUuid or communityUuid replaces the
   * intakes, of intakeNamePrefix renames them in place.
   */
  constructor(name: string, args: SekoiaApiConfig, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:SekoiaIntakes", name, {}, opts);
    const families = [...args.families].sort();
    const intakes: Partial<Record<FlowLogFamily, SekoiaIntake>> = {};
    const intakeKeys: Partial<Record<FlowLogFamily, pulumi.Output<string>>> = {};
    for (const family of families) {
      const intake = new SekoiaIntake(
        `${name}-${family}`,
        {
          apiUrl: args.url,
          apiKey: args.apiKey,
          name: intakeName(args.intakeNamePrefix, pulumi.getStack(), family),
          formatUuid: INTAKE_FORMATS[family],
          entityUuid: args.entityUuid,
          ...(args.communityUuid ? { communityUuid: args.communityUuid } : {}),
        },
        { parent: this },
      );
      intakes[family] = intake;
      // Secret here too, not only through additionalSecretOutputs, so the program never holds it in clear.
      intakeKeys[family] = pulumi.secret(intake.intakeKey);
    }
    this.intakes = intakes;
    this.intakeKeys = intakeKeys;
    this.summary = pulumi
      .all(families.map((f) => pulumi.all([intakes[f]!.uuid, intakes[f]!.name])))
      .apply((pairs) => pairs.map(([uuid, intakeName], i) => ({ kind: families[i], name: intakeName, uuid })));
    this.registerOutputs({ summary: this.summary });
  }
}
