// Storage: one hardened account per target subscription and region (or per region in a central
// logging subscription) for the flow logs, and one account in the shared region for the checkpoints.
//
// Retention: ONE mechanism per account, our own lifecycle rule (storage.ManagementPolicy). The flow
// logs are created with their retention policy disabled, because a flow log's retention makes Azure
// write a lifecycle rule that REPLACES the account's rules (and several flow logs sharing an account
// would overwrite each other's). Our rule is declared here, visible in `npm run plan`, and covers
// both flow-log containers of the account.
//
// Private mode (private-endpoint.ts): the same accounts without a public endpoint, each with a blob
// private endpoint.
import type * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BLOB_EVENTS_QUEUE, FLOW_LOG_CONTAINERS } from "../../forwarder/contract";
import { blobPrivateEndpoint, privateAccountSettings, type PrivateBlobAccess } from "./private-endpoint";

/** Container holding the forwarder's checkpoints. */
export const CHECKPOINT_CONTAINER = "checkpoints";

/** Extra days checkpoints outlive the blobs they describe (a checkpoint of a deleted blob is useless). */
export const CHECKPOINT_GRACE_DAYS = 7;

/** Storage account names: 3-24 lowercase letters and digits, globally unique (random suffix of 8). */
export function storageAccountName(prefix: string, suffix: string): string {
  return `${prefix.replace(/[^a-z0-9]/g, "").slice(0, 24 - suffix.length)}${suffix}`;
}

/** Settings every account of the stack shares: HTTPS only, TLS 1.2, no anonymous access. */
export function hardenedAccountSettings() {
  return {
    kind: storage.Kind.StorageV2,
    sku: { name: storage.SkuName.Standard_LRS },
    accessTier: storage.AccessTier.Hot,
    enableHttpsTrafficOnly: true,
    minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
    allowBlobPublicAccess: false,
    allowCrossTenantReplication: false,
  } as const;
}

/** A lifecycle rule deleting block blobs under the given prefixes `days` after their last change. */
export function deleteAfterRule(name: string, prefixes: readonly string[], days: number): storage.ManagementPolicyArgs["policy"] {
  return {
    rules: [
      {
        name,
        enabled: true,
        type: storage.RuleType.Lifecycle,
        definition: {
          filters: { blobTypes: ["blockBlob"], prefixMatch: [...prefixes].map((p) => `${p}/`) },
          actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: days } } },
        },
      },
    ],
  };
}

/** What both accounts of the stack are made from. */
export interface StorageAccountArgs {
  /** Region of the account: for flow logs, the region of their targets. Change replaces. */
  readonly location: string;
  /** Resource group of the account (the stack's). Change replaces. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Days to keep flow-log blobs (1..365, default 30); updates the lifecycle rule in place. */
  readonly retentionDays: number;
  /** Tags on the account. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Private mode: no public endpoint, a blob private endpoint there. Default: public (with the hardened settings). */
  readonly privateAccess?: PrivateBlobAccess;
}

/** What an account is, with how it is reached in private mode. */
interface Account {
  readonly account: storage.StorageAccount;
  /** Its blob private endpoint, in private mode. */
  readonly privateEndpoint?: network.PrivateEndpoint;
  /** What must exist before the account is reachable (the endpoint and its DNS registration); empty when public. */
  readonly reachable: pulumi.Resource[];
}

interface AccountSpec {
  /** Start of the account's name, before the random suffix. */
  readonly namePrefix: string;
  /** How the account may be reached besides the hardened settings. */
  readonly access: Pick<storage.StorageAccountArgs, "allowSharedKeyAccess" | "defaultToOAuthAuthentication">;
  /** Private mode: whether Azure's trusted services may still reach it (Network Watcher writing flow logs). */
  readonly trustedServices: boolean;
  /** The account's one lifecycle rule. */
  readonly retention: { readonly rule: string; readonly prefixes: readonly string[]; readonly days: number };
  /** Keep the account where it was created when `location` changes (a storage account cannot move: it would be replaced). */
  readonly keepLocation?: boolean;
}

/** A hardened account named with a random suffix, its lifecycle rule and (private mode) its endpoint, as children of `parent`. */
function accountWithRetention(parent: pulumi.ComponentResource, name: string, args: StorageAccountArgs, spec: AccountSpec): Account {
  const suffix = new random.RandomString(`${name}-suffix`, { length: 8, special: false, upper: false }, { parent });
  const account = new storage.StorageAccount(
    `${name}-account`,
    {
      ...hardenedAccountSettings(),
      ...(args.privateAccess ? privateAccountSettings(spec.trustedServices) : {}),
      ...spec.access,
      accountName: suffix.result.apply((s) => storageAccountName(spec.namePrefix, s)),
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
    },
    { parent, ...(spec.keepLocation ? { ignoreChanges: ["location"] } : {}) },
  );
  new storage.ManagementPolicy(
    `${name}-retention`,
    {
      accountName: account.name,
      resourceGroupName: args.resourceGroupName,
      managementPolicyName: "default",
      policy: deleteAfterRule(spec.retention.rule, spec.retention.prefixes, spec.retention.days),
    },
    { parent },
  );
  if (!args.privateAccess) return { account, reachable: [] };
  const { endpoint, reachable } = blobPrivateEndpoint(parent, name, account, args.privateAccess, args.tags);
  return { account, privateEndpoint: endpoint, reachable };
}

/** The account a region's flow logs write to, with its lifecycle rule. */
export class FlowLogStorage extends pulumi.ComponentResource {
  public readonly account: storage.StorageAccount;
  /** Private mode: the account's blob private endpoint. */
  public readonly privateEndpoint?: network.PrivateEndpoint;
  /** What must exist before the forwarder can reach the account (empty when public). */
  public readonly reachable: pulumi.Resource[];
  public readonly accountName: pulumi.Output<string>;
  /** e.g. https://<account>.blob.core.windows.net/ */
  public readonly blobEndpoint: pulumi.Output<string>;

  constructor(name: string, args: StorageAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:FlowLogStorage", name, args, opts);
    ({
      account: this.account,
      privateEndpoint: this.privateEndpoint,
      reachable: this.reachable,
    } = accountWithRetention(this, name, args, {
      namePrefix: `fl${args.location}`,
      // Service SAS for Sekoia are signed with the account key: shared keys must stay enabled here.
      access: { allowSharedKeyAccess: true },
      trustedServices: true,
      retention: { rule: "delete-old-flow-logs", prefixes: Object.values(FLOW_LOG_CONTAINERS), days: args.retentionDays },
    }));
    this.accountName = this.account.name;
    this.blobEndpoint = this.account.primaryEndpoints.blob;
    this.registerOutputs({ accountName: this.accountName, blobEndpoint: this.blobEndpoint });
  }
}

/** Container where Event Grid dead-letters the blob events it could not deliver (event mode). */
export const EVENT_DEAD_LETTER_CONTAINER = "event-dead-letters";

export interface CheckpointStorageArgs extends StorageAccountArgs {
  /** Event mode: also the queue Event Grid delivers blob events to, and its dead-letter container. Default false. */
  readonly blobEvents?: boolean;
}

/**
 * The forwarder's checkpoint container (and, in event mode, its blob-events queue): reached with its
 * managed identity only. The account stays in the region it was created in when the shared region
 * (`azure-native:location`) changes: moving it means replacing it, and with it every checkpoint, so
 * the forwarder would read everything again.
 */
export class CheckpointStorage extends pulumi.ComponentResource {
  public readonly account: storage.StorageAccount;
  /** Private mode: the account's blob private endpoint. */
  public readonly privateEndpoint?: network.PrivateEndpoint;
  /** What must exist before the forwarder can reach the account (empty when public). */
  public readonly reachable: pulumi.Resource[];
  public readonly container: storage.BlobContainer;
  /** Container URL without any credential, e.g. https://<account>.blob.core.windows.net/checkpoints */
  public readonly containerUrl: pulumi.Output<string>;
  /** Event mode: the queue of blob events, and the container Event Grid dead-letters into. */
  public readonly blobEvents?: { readonly queue: storage.Queue; readonly queueUrl: pulumi.Output<string>; readonly deadLetters: storage.BlobContainer };

  constructor(name: string, args: CheckpointStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:CheckpointStorage", name, args, opts);
    ({
      account: this.account,
      privateEndpoint: this.privateEndpoint,
      reachable: this.reachable,
    } = accountWithRetention(this, name, args, {
      namePrefix: "ckpt",
      // Nobody needs a key or SAS here: the forwarder uses Entra ID (its managed identity).
      access: { allowSharedKeyAccess: false, defaultToOAuthAuthentication: true },
      // Only the forwarder, through its private endpoint, reads and writes checkpoints; in event mode
      // Event Grid delivers into the queue here through the trusted-services exception.
      trustedServices: Boolean(args.blobEvents),
      retention: {
        rule: "delete-old-checkpoints",
        // Dead-lettered events are only worth a look while the blobs they name exist.
        prefixes: args.blobEvents ? [CHECKPOINT_CONTAINER, EVENT_DEAD_LETTER_CONTAINER] : [CHECKPOINT_CONTAINER],
        days: args.retentionDays + CHECKPOINT_GRACE_DAYS,
      },
      keepLocation: true,
    }));
    this.container = new storage.BlobContainer(
      `${name}-container`,
      {
        accountName: this.account.name,
        resourceGroupName: args.resourceGroupName,
        containerName: CHECKPOINT_CONTAINER,
        publicAccess: storage.PublicAccess.None,
      },
      { parent: this },
    );
    this.containerUrl = pulumi.interpolate`${this.account.primaryEndpoints.blob}${CHECKPOINT_CONTAINER}`;
    if (args.blobEvents) {
      const queue = new storage.Queue(
        `${name}-blob-events`,
        { accountName: this.account.name, resourceGroupName: args.resourceGroupName, queueName: BLOB_EVENTS_QUEUE },
        { parent: this },
      );
      const deadLetters = new storage.BlobContainer(
        `${name}-event-dead-letters`,
        {
          accountName: this.account.name,
          resourceGroupName: args.resourceGroupName,
          containerName: EVENT_DEAD_LETTER_CONTAINER,
          publicAccess: storage.PublicAccess.None,
        },
        { parent: this },
      );
      this.blobEvents = { queue, queueUrl: pulumi.interpolate`${this.account.primaryEndpoints.queue}${BLOB_EVENTS_QUEUE}`, deadLetters };
    }
    this.registerOutputs({ containerUrl: this.containerUrl });
  }
}
