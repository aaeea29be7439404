// Production: zone-redundant app, database and gateway; 35 days of geo-redundant backups.
// No secret here: the PostgreSQL administrator password comes from the deploying shell, on the
// first deployment only.
using '../main.bicep'

param environmentName = 'prod'
param containerImage = readEnvironmentVariable('CONTAINER_IMAGE', 'ghcr.io/example/securesample:prod')
param publicHostName = readEnvironmentVariable('PUBLIC_HOST_NAME', 'securesample.example')
param gatewayCertificateSecretId = readEnvironmentVariable('GATEWAY_CERTIFICATE_SECRET_ID', '')
param postgresEntraAdminObjectId = readEnvironmentVariable('POSTGRES_ENTRA_ADMIN_OBJECT_ID', '')
param postgresEntraAdminName = readEnvironmentVariable('POSTGRES_ENTRA_ADMIN_NAME', 'securesample-prod-db-admins')
param postgresAdministratorPassword = readEnvironmentVariable('PGADMINPASSWORD', '')
param appPlanSku = 'P1v3'
param appInstanceCount = 3
param zoneRedundant = true
param postgresSkuName = 'Standard_D2ds_v5'
param postgresSkuTier = 'GeneralPurpose'
param postgresBackupRetentionDays = 35
param postgresGeoRedundantBackup = true
param postgresHighAvailability = true
param gatewayMinCapacity = 2
param gatewayMaxCapacity = 10
param logRetentionDays = 365
