// The virtual network: the gateway's subnet, the web app's outbound (VNet integration) subnet, the
// private endpoints' subnet and PostgreSQL's delegated subnet, each with its own network security group.
// Seed: one VNet with a gateway subnet, and PostgreSQL reachable on its public endpoint behind a
// firewall rule per App Service outbound IP. Today: private access (VNet integration and a delegated
// subnet) keeps the database and Key Vault off the internet altogether.

param prefix string
param location string
param tags object
param addressSpace string = '10.20.0.0/16'
@description('One /24 per subnet, inside addressSpace: gateway, app outbound, private endpoints, PostgreSQL.')
param subnetPrefixes array = [
  '10.20.1.0/24'
  '10.20.2.0/24'
  '10.20.3.0/24'
  '10.20.4.0/24'
]
param workspaceId string

var subnets = [
  {
    name: 'gateway'
    prefix: subnetPrefixes[0]
    delegation: ''
    // The App Service access restriction admits this subnet through its service endpoint.
    serviceEndpoints: [ 'Microsoft.Web' ]
  }
  {
    name: 'app-outbound'
    prefix: subnetPrefixes[1]
    delegation: 'Microsoft.Web/serverFarms'
    serviceEndpoints: []
  }
  {
    name: 'private-endpoints'
    prefix: subnetPrefixes[2]
    delegation: ''
    serviceEndpoints: []
  }
  {
    name: 'postgres'
    prefix: subnetPrefixes[3]
    delegation: 'Microsoft.DBforPostgreSQL/flexibleServers'
    serviceEndpoints: []
  }
]

// Application Gateway v2 needs the infrastructure ports and its probes from AzureLoadBalancer;
// the public listener is HTTPS only.
var gatewayRules = [
  {
    name: 'allow-https-in'
    properties: {
      priority: 100
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: 'Internet'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '443'
    }
  }
  {
    name: 'allow-gateway-manager'
    properties: {
      priority: 110
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: 'GatewayManager'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '65200-65535'
    }
  }
  {
    name: 'allow-load-balancer'
    properties: {
      priority: 120
      direction: 'Inbound'
      access: 'Allow'
      protocol: '*'
      sourceAddressPrefix: 'AzureLoadBalancer'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '*'
    }
  }
]

// The private endpoints (the app's and the vault's) answer HTTPS from the gateway (to the app) and
// from the app's outbound subnet (to the vault) only; privateEndpointNetworkPolicies makes this apply.
var endpointRules = [
  {
    name: 'allow-gateway-https'
    properties: {
      priority: 100
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: subnetPrefixes[0]
      sourcePortRange: '*'
      destinationAddressPrefix: subnetPrefixes[2]
      destinationPortRange: '443'
    }
  }
  {
    name: 'allow-app-https'
    properties: {
      priority: 110
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: subnetPrefixes[1]
      sourcePortRange: '*'
      destinationAddressPrefix: subnetPrefixes[2]
      destinationPortRange: '443'
    }
  }
  {
    name: 'deny-other-inbound'
    properties: {
      priority: 4000
      direction: 'Inbound'
      access: 'Deny'
      protocol: '*'
      sourceAddressPrefix: '*'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '*'
    }
  }
]

resource groups 'Microsoft.Network/networkSecurityGroups@2023-09-01' = [for subnet in subnets: {
  name: '${prefix}-${subnet.name}-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: subnet.name == 'gateway' ? gatewayRules : subnet.name == 'private-endpoints' ? endpointRules : []
  }
}]

resource groupDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = [for (subnet, i) in subnets: {
  name: 'to-log-analytics'
  scope: groups[i]
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}]

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: '${prefix}-vnet'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [ addressSpace ]
    }
    subnets: [for (subnet, i) in subnets: {
      name: subnet.name
      properties: {
        addressPrefix: subnet.prefix
        networkSecurityGroup: {
          id: groups[i].id
        }
        privateEndpointNetworkPolicies: 'Enabled'
        serviceEndpoints: [for service in subnet.serviceEndpoints: {
          service: service
        }]
        delegations: empty(subnet.delegation) ? [] : [
          {
            name: replace(subnet.delegation, '/', '.')
            properties: {
              serviceName: subnet.delegation
            }
          }
        ]
      }
    }]
  }
}

resource vnetDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vnet
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

output vnetId string = vnet.id
output gatewaySubnetId string = vnet.properties.subnets[0].id
output appOutboundSubnetId string = vnet.properties.subnets[1].id
output privateEndpointSubnetId string = vnet.properties.subnets[2].id
output postgresSubnetId string = vnet.properties.subnets[3].id
