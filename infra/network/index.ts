// network/: Network Watchers (adopted or created) and the flow logs under them, one per target; in
// private mode, the private DNS zone of the storage endpoints when the stack makes it.
export { FlowLogs } from "./flow-logs";
export { NetworkWatcher } from "./network-watcher";
export { BlobPrivateDnsZone } from "./private-dns";
