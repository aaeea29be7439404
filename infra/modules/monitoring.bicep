// Log Analytics and workspace-based Application Insights: where every resource's diagnostics go.
// Seed: an Application Insights instance created in the portal with its instrumentation key.
// Today: instrumentation keys are retired in favour of connection strings, and classic (non-workspace)
// Application Insights is retired; the connection string reaches the app as a Key Vault reference.

@description('Name prefix of every resource, e.g. securesample-prod.')
param prefix string
param location string
param tags object
@minValue(30)
param retentionDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
    features: {
      // Queries need Azure RBAC on the workspace or the resource, never a shared key.
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Local (connection-string) ingestion stays on: the app's OpenTelemetry exporter sends with the
    // connection string. Switch to disableLocalAuth with a credential-based exporter to go further.
    DisableLocalAuth: false
  }
}

resource insightsDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: insights
  properties: {
    workspaceId: workspace.id
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

output workspaceId string = workspace.id
output insightsId string = insights.id
output insightsName string = insights.name
