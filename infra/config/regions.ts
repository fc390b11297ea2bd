// Azure region names accepted for `targets[].location` and `azure-native:location`.
// The programmatic names of `az account list-locations --query "[].name"` for the public, US
// Government and China clouds. A region Azure opens later is rejected until it is added here: the
// error says so, and the fix is one line.

export const AZURE_REGIONS: ReadonlySet<string> = new Set([
  // Americas
  "eastus",
  "eastus2",
  "centralus",
  "northcentralus",
  "southcentralus",
  "westcentralus",
  "westus",
  "westus2",
  "westus3",
  "canadacentral",
  "canadaeast",
  "brazilsouth",
  "brazilsoutheast",
  "mexicocentral",
  "chilecentral",
  // Europe
  "northeurope",
  "westeurope",
  "uksouth",
  "ukwest",
  "francecentral",
  "francesouth",
  "germanywestcentral",
  "germanynorth",
  "switzerlandnorth",
  "switzerlandwest",
  "norwayeast",
  "norwaywest",
  "swedencentral",
  "swedensouth",
  "polandcentral",
  "italynorth",
  "spaincentral",
  "austriaeast",
  "belgiumcentral",
  "denmarkeast",
  // Middle East and Africa
  "uaenorth",
  "uaecentral",
  "qatarcentral",
  "israelcentral",
  "southafricanorth",
  "southafricawest",
  // Asia Pacific
  "eastasia",
  "southeastasia",
  "japaneast",
  "japanwest",
  "koreacentral",
  "koreasouth",
  "centralindia",
  "southindia",
  "westindia",
  "jioindiawest",
  "jioindiacentral",
  "australiaeast",
  "australiasoutheast",
  "australiacentral",
  "australiacentral2",
  "newzealandnorth",
  "indonesiacentral",
  "malaysiawest",
  // Sovereign clouds
  "usgovvirginia",
  "usgovarizona",
  "usgovtexas",
  "usdodcentral",
  "usdodeast",
  "chinaeast",
  "chinaeast2",
  "chinaeast3",
  "chinanorth",
  "chinanorth2",
  "chinanorth3",
]);

/** "West Europe" and "westeurope" name the same region: Azure ignores case and spaces. */
export function normalizeRegion(value: string): string {
  return value.replace(/\s+/g, "").toLowerCase();
}

export function isAzureRegion(value: string): boolean {
  return AZURE_REGIONS.has(normalizeRegion(value));
}
