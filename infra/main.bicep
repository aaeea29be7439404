// The secure sample app of seed 000 on Azure, one resource group per environment:
//   user --HTTPS--> Application Gateway (WAF v2) --HTTPS, private endpoint--> Web App for Containers
//   --managed identity--> Key Vault (private endpoint) and --TLS 1.2+, VNet--> PostgreSQL Flexible
//   Server (delegated subnet); everything sends its diagnostics to one Log Analytics workspace and
//   the app its telemetry to Application Insights. Deploy with the command in infra/README.md.
// No secret is a parameter of this template except PostgreSQL's administrator password, which is read
// from the deploying shell's environment on the first deployment only (environments/*.bicepparam).

targetScope = 'resourceGroup'

@allowed([ 'dev', 'prod' ])
param environmentName string
param location string = resourceGroup().location
param namePrefix string = 'securesample'
@description('The container image, by digest (the deploy workflow passes the one it built).')
param containerImage string
param publicHostName string
param gatewayCertificateSecretId string
param postgresEntraAdminObjectId string
param postgresEntraAdminName string
param postgresAdministratorLogin string = 'pgadmin'
@secure()
param postgresAdministratorPassword string = ''
param appPlanSku string
param appInstanceCount int
param zoneRedundant bool
param postgresSkuName string
param postgresSkuTier string
param postgresStorageGb int = 32
param postgresBackupRetentionDays int
param postgresGeoRedundantBackup bool
param postgresHighAvailability bool
param gatewayMinCapacity int
param gatewayMaxCapacity int
param rateLimitPerMinute int = 300
param logRetentionDays int
param vaultSoftDeleteDays int = 90
param proxyHops int = 2
// The Application Insights secret in the vault expires after 180 days; every deployment renews it.
param now string = utcNow()

var prefix = '${namePrefix}-${environmentName}'
var tags = {
  application: namePrefix
  environment: environmentName
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    prefix: prefix
    location: location
    tags: tags
    retentionDays: logRetentionDays
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    prefix: prefix
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    prefix: prefix
    location: location
    tags: tags
    tenantId: subscription().tenantId
    workspaceId: monitoring.outputs.workspaceId
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    vnetId: network.outputs.vnetId
    softDeleteRetentionDays: vaultSoftDeleteDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: '${prefix}-insights'
}

module insightsSecret 'modules/vault-secret.bicep' = {
  name: 'insights-secret'
  params: {
    vaultName: vault.outputs.vaultName
    secretName: 'APPLICATIONINSIGHTS-CONNECTION-STRING'
    value: insights.properties.ConnectionString
    expiresOn: dateTimeToEpoch(dateTimeAdd(now, 'P180D'))
  }
  dependsOn: [
    monitoring
  ]
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    prefix: prefix
    location: location
    tags: tags
    tenantId: subscription().tenantId
    workspaceId: monitoring.outputs.workspaceId
    delegatedSubnetId: network.outputs.postgresSubnetId
    vnetId: network.outputs.vnetId
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageGb: postgresStorageGb
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    highAvailability: postgresHighAvailability
    administratorLogin: postgresAdministratorLogin
    administratorPassword: postgresAdministratorPassword
    entraAdminObjectId: postgresEntraAdminObjectId
    entraAdminName: postgresEntraAdminName
  }
}

module web 'modules/webapp.bicep' = {
  name: 'webapp'
  params: {
    prefix: prefix
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    containerImage: containerImage
    planSku: appPlanSku
    instanceCount: appInstanceCount
    zoneRedundant: zoneRedundant
    outboundSubnetId: network.outputs.appOutboundSubnetId
    privateEndpointSubnetId: network.outputs.privateEndpointSubnetId
    gatewaySubnetId: network.outputs.gatewaySubnetId
    vnetId: network.outputs.vnetId
    vaultName: vault.outputs.vaultName
    vaultUri: vault.outputs.vaultUri
    postgresHost: postgres.outputs.host
    trustedHosts: publicHostName
    proxyHops: proxyHops
  }
}

// The web app's identity: Key Vault Secrets User on this vault, and no other role anywhere.
module appReadsSecrets 'modules/vault-reader.bicep' = {
  name: 'app-reads-secrets'
  params: {
    vaultName: vault.outputs.vaultName
    principalId: web.outputs.principalId
  }
}

module gatewayIdentity 'modules/identity.bicep' = {
  name: 'gateway-identity'
  params: {
    prefix: prefix
    location: location
    tags: tags
  }
}

// The gateway reads its TLS certificate (a Key Vault secret) with its own identity.
module gatewayReadsCertificate 'modules/vault-reader.bicep' = {
  name: 'gateway-reads-certificate'
  params: {
    vaultName: vault.outputs.vaultName
    principalId: gatewayIdentity.outputs.principalId
  }
}

module gateway 'modules/gateway.bicep' = {
  name: 'gateway'
  params: {
    prefix: prefix
    location: location
    tags: tags
    workspaceId: monitoring.outputs.workspaceId
    subnetId: network.outputs.gatewaySubnetId
    backendHostName: web.outputs.defaultHostName
    publicHostName: publicHostName
    certificateSecretId: gatewayCertificateSecretId
    identityId: gatewayIdentity.outputs.id
    minCapacity: gatewayMinCapacity
    maxCapacity: gatewayMaxCapacity
    rateLimitPerMinute: rateLimitPerMinute
  }
  dependsOn: [
    gatewayReadsCertificate
  ]
}

output appUrl string = 'https://${publicHostName}'
output gatewayPublicIp string = gateway.outputs.publicIpAddress
output vaultName string = vault.outputs.vaultName
output webAppName string = split(web.outputs.defaultHostName, '.')[0]
