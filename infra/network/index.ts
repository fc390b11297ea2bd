// network/: Network Watchers (adopted or created) and the flow logs under them, one per target.
export { FlowLogs } from "./flow-logs";
export { NetworkWatcher } from "./network-watcher";
