// Parses how the Container App pulls a prebuilt `forwarderImage` from a private registry: an Azure
// Container Registry by its ARM id (pulled with the app's identity, which gets AcrPull there), or any
// registry with a username and a secret password. Neither: the registry must allow anonymous pulls.
import * as pulumi from "@pulumi/pulumi";
import { REGISTRY_SUFFIXES, type Cloud } from "./arm-endpoint";

export type PrebuiltImagePull =
  | { readonly kind: "identity"; readonly server: string; readonly registryId: string }
  | { readonly kind: "password"; readonly server: string; readonly username: string; readonly password: pulumi.Output<string> };

const ACR_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.ContainerRegistry\/registries\/([A-Za-z0-9]{5,50})$/i;
const show = (v: unknown): string => JSON.stringify(v);

/** `image` is the validated forwarderImage ("" when unset); the others are the raw key values; `cloud` the stack's. */
export function parseImagePull(
  image: string,
  raw: { registryId?: string; username?: string; password?: string },
  problems: string[],
  cloud: Cloud = "public",
): PrebuiltImagePull | undefined {
  const registryId = raw.registryId?.trim() ?? "";
  const username = raw.username?.trim() ?? "";
  const password = raw.password?.trim() ?? "";
  if (registryId === "" && username === "" && password === "") return undefined;
  if (image === "") {
    problems.push(
      "forwarderImageRegistryId/forwarderImageRegistryUsername: found a pull credential, expected it only with forwarderImage (the stack's own registry needs none)",
    );
    return undefined;
  }
  const server = image.split("/")[0].toLowerCase();
  if (registryId !== "") {
    if (username !== "" || password !== "") {
      problems.push(
        "forwarderImageRegistryUsername: found it with forwarderImageRegistryId, expected one of them: the identity pulls from an ACR, a password from other registries",
      );
      return undefined;
    }
    const m = ACR_ID.exec(registryId);
    if (!m) {
      problems.push(
        `forwarderImageRegistryId: found ${show(registryId)}, expected /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>`,
      );
      return undefined;
    }
    // Each cloud has its own registry suffix (azure-native:environment): .azurecr.io, .azurecr.us, .azurecr.cn.
    const expected = `${m[1].toLowerCase()}.${REGISTRY_SUFFIXES[cloud]}`;
    if (server !== expected) {
      problems.push(
        `forwarderImageRegistryId: found the registry ${m[1]}, whose login server in the ${cloud} cloud (azure-native:environment) is ${expected}, ` +
          `expected the one forwarderImage is in (${server}): set forwarderImage to ${expected}/<name>@sha256:<digest>, or this key to the ARM id of ${server.split(".")[0]}`,
      );
      return undefined;
    }
    return { kind: "identity", server, registryId };
  }
  if (username === "" || password === "") {
    problems.push(
      `${username === "" ? "forwarderImageRegistryUsername" : "forwarderImageRegistryPassword"}: found nothing, expected both the username and ` +
        "the password (`pulumi config set --secret forwarderImageRegistryPassword <password>`) of the registry forwarderImage is in",
    );
    return undefined;
  }
  return { kind: "password", server, username, password: pulumi.secret(password) };
}
