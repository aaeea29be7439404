// Web App for Containers on Linux, with a system-assigned managed identity.
// Seed: `az webapp create` on a B1 plan, then `az webapp identity assign`, reachable on its public
// *.azurewebsites.net name. Today: the app has no public endpoint at all (public network access off,
// a private endpoint that only the gateway's subnet may reach), HTTPS only, TLS 1.2 at least, FTP and
// basic-auth publishing off, and it reads its secrets with its identity (Key Vault references and the
// app's own Key Vault client), so no credential sits in an app setting.

param prefix string
param location string
param tags object
param workspaceId string
param containerImage string
param planSku string
param instanceCount int
param zoneRedundant bool
param outboundSubnetId string
param privateEndpointSubnetId string
param gatewaySubnetId string
param vnetId string
param vaultName string
param vaultUri string
param postgresHost string
@description('Host names the app answers for (the gateway\'s public name): Host headers steer nothing else.')
param trustedHosts string
@description('How many proxies append to X-Forwarded-For before the app (the gateway and App Service\'s front end).')
param proxyHops int

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225:zone redundancy is per environment (prod.bicepparam sets zoneRedundant=true); dev runs one instance to save cost
  name: '${prefix}-plan'
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_17:no public endpoint; the gateway is the only client and Application Gateway presents no client certificate to a backend
  // checkov:skip=CKV_AZURE_212:the instance count is per environment (prod.bicepparam: 3 across zones); dev runs one instance to save cost
  name: '${prefix}-app-${uniqueString(resourceGroup().id)}'
  location: location
  tags: tags
  kind: 'app,linux,container'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Disabled'
    virtualNetworkSubnetId: outboundSubnetId
    vnetRouteAllEnabled: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    clientCertEnabled: false
    siteConfig: {
      linuxFxVersion: 'DOCKER|${containerImage}'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      alwaysOn: true
      healthCheckPath: '/readyz'
      httpLoggingEnabled: true
      detailedErrorLoggingEnabled: true
      requestTracingEnabled: true
      remoteDebuggingEnabled: false
      // Public access is off already; these rules say the same for any public path that is turned on
      // later: only the gateway's subnet, nothing else (the SCM site: nothing at all).
      ipSecurityRestrictionsDefaultAction: 'Deny'
      ipSecurityRestrictions: [
        {
          name: 'gateway-only'
          action: 'Allow'
          priority: 100
          vnetSubnetResourceId: gatewaySubnetId
        }
      ]
      scmIpSecurityRestrictionsDefaultAction: 'Deny'
      scmIpSecurityRestrictionsUseMain: false
      appSettings: [
        {
          name: 'WEBSITES_PORT'
          value: '8000'
        }
        {
          name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE'
          value: 'false'
        }
        {
          name: 'SECRETS_PROVIDER'
          value: 'keyvault'
        }
        {
          name: 'KEY_VAULT_URL'
          value: vaultUri
        }
        {
          // A Key Vault reference: App Service resolves it with the app's identity at start.
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=APPLICATIONINSIGHTS-CONNECTION-STRING)'
        }
        {
          name: 'PGHOST'
          value: postgresHost
        }
        {
          name: 'PGSSLMODE'
          value: 'verify-full'
        }
        {
          // libpq 16+: verify the server against the system's CA store (the image's ca-certificates).
          name: 'PGSSLROOTCERT'
          value: 'system'
        }
        {
          name: 'TRUSTED_HOSTS'
          value: trustedHosts
        }
        {
          name: 'PROXY_HOPS'
          value: string(proxyHops)
        }
      ]
    }
  }
}

resource noFtpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource noScmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.azurewebsites.net'
  location: 'global'
  tags: tags
}

resource dnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: dnsZone
  name: '${prefix}-app-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-09-01' = {
  name: '${prefix}-app-pe'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: privateEndpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'site'
        properties: {
          privateLinkServiceId: site.id
          groupIds: [ 'sites' ]
        }
      }
    ]
  }
}

resource endpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {
  parent: endpoint
  name: 'site'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'site'
        properties: {
          privateDnsZoneId: dnsZone.id
        }
      }
    ]
  }
}

resource siteDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource planDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: plan
  properties: {
    workspaceId: workspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
