// Waits for the forwarder identity's role assignments to take effect before the Container App's
// first revision starts. `dependsOn` only orders the calls: ARM accepts a role assignment at once, but
// it can take minutes to reach the registry and storage (Azure RBAC troubleshooting: up to about ten
// minutes). Until then the first image pull may be refused (AcrPull), the only replica never starts,
// and ARM ends the app's creation with "Operation expired" (microsoft/azure-container-apps#1061).
//
// Nothing observable tells when a grant has propagated to the registry without the identity's own
// token, so this waits a fixed time, like Terraform's time_sleep that Microsoft's samples use. It is
// a dynamic resource rather than @pulumiverse/time's Sleep: that package (0.1.1, a year without a
// release) brings a provider plugin downloaded at `up`, for every consumer of the component; this
// runs in the Node dynamic-provider host the Sekoia intakes already use. It waits on create, and again
// when the set of grants changes (a new grant may be needed by the next revision); never in preview.
// Serialized into the state like sekoia-intake.ts: its methods use only globals.
import * as pulumi from "@pulumi/pulumi";

/** How long to wait after the grants were made. */
export const ROLE_PROPAGATION_SECONDS = 120;

export interface WaitInputs {
  /** The role assignments waited for (their ARM ids): a change waits again. */
  readonly grants: string[];
  readonly seconds: number;
}

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds) * 1000));
const sameGrants = (a: readonly string[] = [], b: readonly string[] = []): boolean => [...a].sort().join("\n") === [...b].sort().join("\n");

export const rolePropagationWaitProvider: pulumi.dynamic.ResourceProvider<WaitInputs, WaitInputs> = {
  async diff(_id, olds, news) {
    return { changes: !sameGrants(olds.grants, news.grants) || olds.seconds !== news.seconds };
  },
  async create(inputs) {
    await sleep(inputs.seconds);
    return { id: "role-propagation", outs: inputs };
  },
  async update(_id, olds, news) {
    if (!sameGrants(olds.grants, news.grants)) await sleep(news.seconds);
    return { outs: news };
  },
};

export class RolePropagationWait extends pulumi.dynamic.Resource {
  constructor(name: string, args: { grants: pulumi.Input<string>[]; seconds?: number }, opts?: pulumi.CustomResourceOptions) {
    super(rolePropagationWaitProvider, name, { grants: args.grants, seconds: args.seconds ?? ROLE_PROPAGATION_SECONDS }, opts, "sekoia", "RolePropagationWait");
  }
}
