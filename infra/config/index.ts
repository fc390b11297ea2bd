// config/: reading and validating what a deployment decides (stack config keys and the component's
// args, which share names), before anything is registered. Pure parsing; imports no other folder.
export type { FlowLogFamily } from "./arm-id";
export { configFromArgs } from "./component-config";
export { readRawConfig, SECRET_KEYS, type StackConfig } from "./stack-config";
export { unusedWatcherWarnings } from "./watcher-config";
