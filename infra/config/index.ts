// config/: reading and validating what a deployment decides (stack config keys and the component's
// args, which share names), before anything is registered. Pure parsing; imports no other folder.
export type { FlowLogFamily } from "./arm-id";
export { configFromArgs } from "./component-config";
export { SECRET_KEYS, type PrivateNetworking, type RawConfig, type StackConfig } from "./stack-config";
export { plainSecretProblems, PROJECT_KEYS, readRawConfig, rejectStackConfig, unknownKeyProblems } from "./stack-keys";
export { ownTags } from "./tags-config";
export { unusedWatcherWarnings } from "./watcher-config";
