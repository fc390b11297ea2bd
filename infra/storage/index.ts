// storage/: the hardened accounts flow logs are written to and the forwarder's checkpoints are kept in,
// their retention, their private endpoints in private mode, and the read-only SAS for Sekoia.
export { readOnlyContainerSas } from "./sas";
export { CheckpointStorage, EVENT_DEAD_LETTER_CONTAINER, FlowLogStorage } from "./storage";
export type { PrivateBlobAccess } from "./private-endpoint";
