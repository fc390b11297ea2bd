// monitoring/: the Log Analytics workspace the forwarder logs to, and the alerts evaluated on it.
export { pollLogQuery, type AccountFlowLogs } from "./alert-queries";
export { ForwarderAlerts } from "./alerts";
export { LogWorkspace } from "./workspace";
