// One secret the deployment itself produces (Application Insights' connection string), written to the
// vault through Azure Resource Manager: its value never appears in a file, an output or a log.

param vaultName string
param secretName string
@secure()
param value string
@description('Seconds since the epoch when the secret expires (rotated by the next deployment).')
param expiresOn int

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: value
    contentType: 'text/plain'
    attributes: {
      enabled: true
      exp: expiresOn
    }
  }
}
