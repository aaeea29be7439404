// Azure Database for PostgreSQL Flexible Server, reachable only inside the VNet.
// Seed: Single Server (`az postgres server create`, retired in March 2025) on its public endpoint with
// a firewall rule per App Service outbound IP. Today: Flexible Server with private access (a delegated
// subnet and a private DNS zone), so there is no public endpoint and no firewall rule to get wrong:
// only what runs in the VNet (the web app, through VNet integration) can connect at all.
// Encryption at rest: always on (service-managed AES-256 keys; `dataEncryption` states it). In
// transit: require_secure_transport=on and TLS 1.2 at least; the app connects with sslmode=verify-full.

param prefix string
param location string
param tags object
param tenantId string
param workspaceId string
param delegatedSubnetId string
param vnetId string
param skuName string
param skuTier string
param storageGb int
@minValue(7)
@maxValue(35)
param backupRetentionDays int
param geoRedundantBackup bool
param highAvailability bool
param administratorLogin string
@secure()
@description('Only on the first deployment (the server keeps its password when this is empty).')
param administratorPassword string
@description('Object id and name of the Entra ID group that administers the server.')
param entraAdminObjectId string
param entraAdminName string

resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${prefix}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource dnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: dnsZone
  name: '${prefix}-postgres-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnetId
    }
  }
}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${prefix}-pg'
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '16'
    administratorLogin: administratorLogin
    administratorLoginPassword: empty(administratorPassword) ? null : administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      // The app's runtime and owner roles log in with passwords kept in Key Vault.
      passwordAuth: 'Enabled'
      tenantId: tenantId
    }
    storage: {
      storageSizeGB: storageGb
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: highAvailability ? 'ZoneRedundant' : 'Disabled'
    }
    dataEncryption: {
      type: 'SystemManaged'
    }
    network: {
      delegatedSubnetResourceId: delegatedSubnetId
      privateDnsZoneArmResourceId: dnsZone.id
      publicNetworkAccess: 'Disabled'
    }
  }
  dependsOn: [
    dnsLink
  ]
}

resource entraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: entraAdminObjectId
  properties: {
    principalName: entraAdminName
    principalType: 'Group'
    tenantId: tenantId
  }
}

resource secureTransport 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

resource minimumTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: {
    value: 'TLSv1.2'
    source: 'user-override'
  }
  dependsOn: [
    secureTransport
  ]
}

resource logConnections 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'log_connections'
  properties: {
    value: 'on'
    source: 'user-override'
  }
  dependsOn: [
    minimumTls
  ]
}

resource serverDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: server
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

output host string = server.properties.fullyQualifiedDomainName
