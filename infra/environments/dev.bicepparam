// Development: one instance, no zone redundancy, shorter retention. No secret here: the PostgreSQL
// administrator password comes from the deploying shell, on the first deployment only.
using '../main.bicep'

param environmentName = 'dev'
param containerImage = readEnvironmentVariable('CONTAINER_IMAGE', 'ghcr.io/example/securesample:dev')
param publicHostName = readEnvironmentVariable('PUBLIC_HOST_NAME', 'dev.securesample.example')
param gatewayCertificateSecretId = readEnvironmentVariable('GATEWAY_CERTIFICATE_SECRET_ID', '')
param postgresEntraAdminObjectId = readEnvironmentVariable('POSTGRES_ENTRA_ADMIN_OBJECT_ID', '')
param postgresEntraAdminName = readEnvironmentVariable('POSTGRES_ENTRA_ADMIN_NAME', 'securesample-dev-db-admins')
param postgresAdministratorPassword = readEnvironmentVariable('PGADMINPASSWORD', '')
param appPlanSku = 'P0v3'
param appInstanceCount = 1
param zoneRedundant = false
param postgresSkuName = 'Standard_B1ms'
param postgresSkuTier = 'Burstable'
param postgresBackupRetentionDays = 7
param postgresGeoRedundantBackup = false
param postgresHighAvailability = false
param gatewayMinCapacity = 1
param gatewayMaxCapacity = 2
param logRetentionDays = 30
