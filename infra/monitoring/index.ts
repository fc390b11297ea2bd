// monitoring/: the Log Analytics workspace the forwarder logs to, and the alerts evaluated on it.
export { blobPathSource, ForwarderAlerts, pollLogQuery } from "./alerts";
export { LogWorkspace } from "./workspace";
