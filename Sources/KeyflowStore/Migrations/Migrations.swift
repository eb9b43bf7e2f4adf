import FluentKit

extension Store {
    /// Every migration, in the order they run. Append only: a landed migration is never edited or removed.
    static var migrations: Migrations {
        let migrations = Migrations()
        migrations.add([
            M0001_CreateOrganizationsAndUsers(),
            M0002_CreateTemplates(),
            M0003_CreateFlows(),
            M0004_CreateTimeline(),
            M0005_CreateJobs(),
            M0006_CreateAttachments(),
            M0007_CreateVerification(),
            M0008_CreateMagicLinks(),
            M0009_AddJobRequestID(),
            M0010_CreateAuditAndRateLimits(),
            M0011_AddRemindersAndLeases(),
            M0012_CreateWebhooks(),
            M0013_IndexOpenJobs(),
            M0014_IndexFlowActionsByFlow(),
            M0015_IndexWebhookEndpointsByCreation(),
            M0016_DropJobsReadyIndex(),
            M0017_CreateFlowVersionCheck(),
            M0018_IndexClaimableJobs(),
            M0019_CompressFlowDocumentsWithLZ4(),
            M0020_LeaveRoomForFlowUpdates(),
            M0021_FillCallbackPages(),
            M0022_IndexOnlyOpenAttempts(),
        ])
        return migrations
    }
}
