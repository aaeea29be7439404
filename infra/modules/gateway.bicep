// Application Gateway WAF v2: the only public endpoint, HTTPS only, WAF in Prevention mode.
// Seed: WAF_Medium (v1, retired) with CRS 3.0 in *Detection* mode, a self-signed certificate uploaded
// with its password on the command line. Today: WAF_v2 with a WAF policy (per-gateway WAF config is
// deprecated), Prevention mode (Detection only logs attacks), OWASP CRS 3.2 plus the bot rule set, a
// per-client rate limit, TLS 1.2+ policy, the certificate read from Key Vault by the gateway's own
// identity, and end-to-end TLS: the backend is the app's HTTPS endpoint, its certificate verified.
// (Microsoft's newest managed set is DRS 2.1, itself built on CRS 3.3; the seed and the issue name the
// OWASP CRS, so CRS 3.2 is kept: switching is `ruleSetType: 'Microsoft_DefaultRuleSet'`, `'2.1'`.)

param prefix string
param location string
param tags object
param workspaceId string
param subnetId string
param backendHostName string
@description('The public host name the certificate is for (the listener answers only for it).')
param publicHostName string
@description('Key Vault secret id (versionless) of the gateway\'s TLS certificate (PFX), uploaded once.')
param certificateSecretId string
param identityId string
param minCapacity int
param maxCapacity int
@description('Requests per client address per minute before the WAF blocks it.')
param rateLimitPerMinute int

var gatewayName = '${prefix}-agw'
var gatewayId = resourceId('Microsoft.Network/applicationGateways', gatewayName)

resource policy 'Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies@2023-09-01' = {
  name: '${prefix}-waf'
  location: location
  tags: tags
  properties: {
    policySettings: {
      state: 'Enabled'
      mode: 'Prevention'
      requestBodyCheck: true
      requestBodyEnforcement: true
      maxRequestBodySizeInKb: 128
      fileUploadEnforcement: true
      fileUploadLimitInMb: 1
    }
    managedRules: {
      managedRuleSets: [
        {
          ruleSetType: 'OWASP'
          ruleSetVersion: '3.2'
        }
        {
          ruleSetType: 'Microsoft_BotManagerRuleSet'
          ruleSetVersion: '1.0'
        }
      ]
    }
    customRules: [
      {
        // The app has its own limit on suggestions (held across workers); this one bounds every
        // client before it reaches the app at all.
        name: 'RateLimitPerClient'
        priority: 10
        ruleType: 'RateLimitRule'
        action: 'Block'
        state: 'Enabled'
        rateLimitDuration: 'OneMin'
        rateLimitThreshold: rateLimitPerMinute
        groupByUserSession: [
          {
            groupByVariables: [
              {
                variableName: 'ClientAddr'
              }
            ]
          }
        ]
        matchConditions: [
          {
            // Every client: no address is 255.255.255.255, so "not that address" matches all traffic.
            matchVariables: [
              {
                variableName: 'RemoteAddr'
              }
            ]
            operator: 'IPMatch'
            negationConditon: true
            matchValues: [ '255.255.255.255/32' ]
          }
        ]
      }
    ]
  }
}

resource publicIp 'Microsoft.Network/publicIPAddresses@2023-09-01' = {
  name: '${prefix}-agw-ip'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  zones: [ '1', '2', '3' ]
  properties: {
    publicIPAllocationMethod: 'Static'
    ddosSettings: {
      protectionMode: 'VirtualNetworkInherited'
    }
  }
}

resource publicIpDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: publicIp
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

resource gateway 'Microsoft.Network/applicationGateways@2023-09-01' = {
  name: gatewayName
  location: location
  tags: tags
  zones: [ '1', '2', '3' ]
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    sku: {
      name: 'WAF_v2'
      tier: 'WAF_v2'
    }
    autoscaleConfiguration: {
      minCapacity: minCapacity
      maxCapacity: maxCapacity
    }
    firewallPolicy: {
      id: policy.id
    }
    sslPolicy: {
      policyType: 'Predefined'
      policyName: 'AppGwSslPolicy20220101S'
    }
    gatewayIPConfigurations: [
      {
        name: 'gateway'
        properties: {
          subnet: {
            id: subnetId
          }
        }
      }
    ]
    frontendIPConfigurations: [
      {
        name: 'public'
        properties: {
          publicIPAddress: {
            id: publicIp.id
          }
        }
      }
    ]
    frontendPorts: [
      {
        name: 'https'
        properties: {
          port: 443
        }
      }
    ]
    sslCertificates: [
      {
        name: 'public'
        properties: {
          keyVaultSecretId: certificateSecretId
        }
      }
    ]
    backendAddressPools: [
      {
        name: 'app'
        properties: {
          backendAddresses: [
            {
              fqdn: backendHostName
            }
          ]
        }
      }
    ]
    probes: [
      {
        name: 'readyz'
        properties: {
          protocol: 'Https'
          path: '/readyz'
          interval: 30
          timeout: 10
          unhealthyThreshold: 3
          pickHostNameFromBackendHttpSettings: true
          match: {
            statusCodes: [ '200' ]
          }
        }
      }
    ]
    backendHttpSettingsCollection: [
      {
        name: 'app-https'
        properties: {
          // End-to-end TLS: the gateway re-encrypts to the app and checks its certificate's name.
          port: 443
          protocol: 'Https'
          cookieBasedAffinity: 'Disabled'
          pickHostNameFromBackendAddress: true
          requestTimeout: 30
          probe: {
            id: '${gatewayId}/probes/readyz'
          }
        }
      }
    ]
    httpListeners: [
      {
        name: 'https'
        properties: {
          frontendIPConfiguration: {
            id: '${gatewayId}/frontendIPConfigurations/public'
          }
          frontendPort: {
            id: '${gatewayId}/frontendPorts/https'
          }
          protocol: 'Https'
          sslCertificate: {
            id: '${gatewayId}/sslCertificates/public'
          }
          hostName: publicHostName
          requireServerNameIndication: true
        }
      }
    ]
    requestRoutingRules: [
      {
        name: 'app'
        properties: {
          ruleType: 'Basic'
          priority: 100
          httpListener: {
            id: '${gatewayId}/httpListeners/https'
          }
          backendAddressPool: {
            id: '${gatewayId}/backendAddressPools/app'
          }
          backendHttpSettings: {
            id: '${gatewayId}/backendHttpSettingsCollection/app-https'
          }
        }
      }
    ]
  }
}

resource gatewayDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: gateway
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        // Access, performance and firewall logs: every request the WAF blocked, and why.
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

output publicIpAddress string = publicIp.properties.ipAddress
