// estate/: the subscriptions of an estate (one explicit provider each, the stack's groups there), the
// `scope` listings and the private-mode subnets read from ARM before registration, and how targets
// group into flow-log and storage places per subscription and region.
export { groupEstate, type StorageGroup } from "./estate";
export { SharedSubscriptionGuard } from "./shared-subscription-guard";
export { Subscriptions } from "./subscriptions";
export { resolveTargets, targetSelection } from "./target-selection";
export { checkPrivateNetwork, privateNetworkCheck } from "./private-network-check";
export { privateBlobAccess, privateDnsRecords } from "./private-access";
