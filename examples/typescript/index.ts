// A program of your own that turns on flow logs for one VNet and forwards them to Sekoia, with the
// SekoiaFlowLogs component (`npm install <this repository>`). Set its config with:
//   pulumi config set azure-native:location westeurope
//   pulumi config set vnetId /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>
//   pulumi config set sasExpiry 2027-12-31T00:00:00Z
//   pulumi config set --secret sekoiaVnetIntakeKey <intake key>
import * as pulumi from "@pulumi/pulumi";
import { SekoiaFlowLogs } from "sekoia-flowlogs";

const config = new pulumi.Config();

const flowLogs = new SekoiaFlowLogs("sekoia-flowlogs", {
  targets: [{ id: config.require("vnetId"), location: "westeurope" }],
  sasExpiry: config.require("sasExpiry"),
  sekoiaVnetIntakeKey: config.requireSecret("sekoiaVnetIntakeKey"),
  alertEmail: config.get("alertEmail"),
});

export const forwarderAppName = flowLogs.forwarderAppName;
export const forwarderLogQuery = flowLogs.forwarderLogQuery;
export const flowLogIds = flowLogs.flowLogIds;
export const sekoiaSasUrls = flowLogs.sekoiaSasUrls;
