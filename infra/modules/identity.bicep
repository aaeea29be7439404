// The gateway's user-assigned identity: it reads the TLS certificate from Key Vault, nothing else.

param prefix string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-agw-id'
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
