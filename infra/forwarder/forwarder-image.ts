// The forwarder's container image: the configured `forwarderImage` (pinned by digest), or built from
// forwarder/Dockerfile and pushed to an Azure Container Registry the stack owns.
//
// The built image is tagged with a hash of the forwarder's sources, so a code change produces a new
// tag and digest, and the Container App rolls a new revision; an unchanged tree keeps the same tag.
// Building needs Docker with buildx on the machine running `pulumi up` (not during preview:
// buildOnPreview is off). The registry has no admin user: pushing uses the deployer's Entra ID
// identity (registry-login.ts), kept secret; the Container App pulls with its managed identity (AcrPull).
// The deployer's token is asked for the registry's own audience, not ARM's, and the registry refuses
// ARM-audience tokens (what the built-in policy "Configure container registries to disable ARM audience
// token authentication" would set anyway): the push works whether or not an organisation applies it.
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { REGISTRY_AUDIENCE } from "../config/arm-endpoint";
import { ACR_TOKEN_USERNAME, registryLogin } from "./registry-login";

export const IMAGE_REPOSITORY = "sekoia-flowlogs-forwarder";
/** Repository root: the Docker build context (the Dockerfile copies package files and forwarder/). */
export const REPO_ROOT = path.resolve(__dirname, "../..");
/** What goes into the image, hence into its tag. */
export const IMAGE_SOURCES = ["forwarder", "package.json", "package-lock.json", "tsconfig.json"] as const;
const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", ".git"]);

/** sha256 over the sorted relative paths and contents of the image sources (missing ones skipped). */
export function forwarderSourceHash(root: string = REPO_ROOT): string {
  const files: string[] = [];
  const walk = (relative: string): void => {
    const absolute = path.join(root, relative);
    if (!existsSync(absolute)) return;
    if (statSync(absolute).isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) {
        if (!SKIPPED_DIRECTORIES.has(entry)) walk(path.posix.join(relative, entry));
      }
    } else {
      files.push(relative);
    }
  };
  IMAGE_SOURCES.forEach(walk);
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(path.join(root, file)))
      .update("\0");
  }
  return hash.digest("hex");
}

/** Image tag for a source hash: short enough to read, long enough not to collide. */
export function imageTag(sourceHash: string): string {
  return `src-${sourceHash.slice(0, 16)}`;
}

export interface ForwarderImageArgs {
  /** Prebuilt image pinned by digest; when set nothing is built and no registry is created. Default unset. */
  readonly forwarderImage?: string;
  /** Region of the registry (the shared region). Change replaces the registry. */
  readonly location: string;
  /** Resource group of the registry (the stack's). Change replaces the registry. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Hash of the forwarder sources; default forwarderSourceHash() of the repository. A change rebuilds. */
  readonly sourceHash?: string;
  /** Tags on the registry. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ForwarderImage extends pulumi.ComponentResource {
  /** Image reference the Container App runs (digest-pinned). */
  public readonly imageRef: pulumi.Output<string>;
  /** The registry the stack owns, when it builds the image. */
  public readonly registry?: containerregistry.Registry;

  constructor(name: string, args: ForwarderImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:ForwarderImage", name, args, opts);
    if (args.forwarderImage) {
      this.imageRef = pulumi.output(args.forwarderImage);
      this.registerOutputs({ imageRef: this.imageRef });
      return;
    }
    const suffix = new random.RandomString(`${name}-suffix`, { length: 8, special: false, upper: false }, { parent: this });
    const registry = new containerregistry.Registry(
      `${name}-registry`,
      {
        registryName: pulumi.interpolate`sekoiaflowlogs${suffix.result}`,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: containerregistry.SkuName.Basic },
        // No admin user (policies disable it anyway), no anonymous pull: Entra ID identities only.
        adminUserEnabled: false,
        anonymousPullEnabled: false,
        // Only tokens of the registry audience: a token leaked from ARM cannot be used on it.
        policies: { azureADAuthenticationAsArmPolicy: { status: containerregistry.AzureADAuthenticationAsArmPolicyStatus.Disabled } },
        tags: args.tags,
      },
      { parent: this },
    );
    this.registry = registry;
    const deployerToken = authorization.getClientTokenOutput({ endpoint: REGISTRY_AUDIENCE }, { parent: this });
    const deployer = authorization.getClientConfigOutput({ parent: this });
    const pushToken = pulumi.secret(
      pulumi
        .all([registry.loginServer, deployerToken.token, deployer.tenantId])
        .apply(([server, token, tenant]) => registryLogin.exchange(server, token, tenant)),
    );
    const tag = imageTag(args.sourceHash ?? forwarderSourceHash());
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: REPO_ROOT },
        dockerfile: { location: path.join(REPO_ROOT, "forwarder", "Dockerfile") },
        platforms: ["linux/amd64"],
        push: true,
        buildOnPreview: false,
        tags: [pulumi.interpolate`${registry.loginServer}/${IMAGE_REPOSITORY}:${tag}`],
        registries: [
          {
            address: registry.loginServer,
            username: ACR_TOKEN_USERNAME,
            password: pushToken,
          },
        ],
      },
      { parent: this },
    );
    this.imageRef = image.ref;
    this.registerOutputs({ imageRef: this.imageRef });
  }
}
