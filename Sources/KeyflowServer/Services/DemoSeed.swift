import Foundation
import HummingbirdBcrypt
import Keyflow
import KeyflowStore
import NIOPosix

/// The demo organization a newcomer signs in to: an admin, a client, a template and one running flow.
enum DemoSeed {
    static let adminEmail = "admin@example.com"
    static let clientEmail = "client@example.com"
    static let password = "keyflow-demo"

    /// Seeds only an empty database, so restarting the demo never duplicates anything.
    static func seedIfEmpty(store: Store, clock: AppClock, bcryptCost: UInt8, secrets: SecretBox?) async throws -> Bool {
        guard try await store.read({ try await $0.organizationCount() }) == 0 else { return false }
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: bcryptCost) }
        let now = clock.now()
        let organization = Organization(name: "Keyflow Demo", timeZone: "Europe/Zurich")
        let admin = User(organizationID: organization.id, email: adminEmail, name: "Avery Admin", role: .admin)
        let client = User(organizationID: organization.id, email: clientEmail, name: "Casey Client", role: .client)
        let template = FlowTemplate(
            organizationID: organization.id, ownerID: admin.id, name: "Client onboarding",
            description: "Collect the client's details, verify their identity with Jumio and approve the account.",
            icon: "🧭", access: .shared, roles: ["Client"],
            actions: [
                ActionDefinition(
                    type: .form, title: "Tell us about yourself", description: "Welcome to {{workspace.name}}.",
                    assignee: .role("Client"), due: .days(5, excludeWeekends: true),
                    form: FormSpec(fields: [
                        FormField(name: "firstName", label: "First name", type: .text, required: true),
                        FormField(name: "lastName", label: "Last name", type: .text, required: true),
                        FormField(name: "country", label: "Country of residence", type: .text, required: true),
                    ])),
                ActionDefinition(
                    type: .jumio, title: "Verify your identity",
                    description: "Thanks {{actions.1.outputs.firstName}}! Have your ID card or passport ready.",
                    assignee: .role("Client"), due: .days(3, excludeWeekends: true),
                    jumio: JumioSettings(
                        dataCenter: .sandbox, workflowType: .idAndIdentityVerification, clientID: "keyflow-demo",
                        sealedSecret: (secrets ?? .demo).seal("keyflow-demo-secret"))),
                ActionDefinition(
                    type: .approval, title: "Approve {{role.Client.name}}'s account",
                    description: "Jumio's decision: {{actions.2.outputs.decision}}.", assignee: .user(admin.id),
                    due: .days(2, excludeWeekends: true)),
            ].bindingReferences(), createdAt: now)
        let context = FlowContext(
            now: now, people: [admin.id: admin.person, client.id: client.person],
            timeZone: TimeZone(identifier: organization.timeZone)!)
        let (flow, events) = try Flow.start(
            from: template, name: "Onboarding Casey Client", owner: admin.id,
            members: [FlowMember(userID: client.id, role: "Client")], variables: [:], context: context)
        try await store.write { db in
            try await db.insert(organization, at: now)
            try await db.insert(admin, passwordHash: hash, at: now)
            try await db.insert(client, passwordHash: hash, at: now)
            try await db.insert(template)
            try await db.insert(flow, at: now)
            _ = try await db.append(events, to: flow.id)
        }
        return true
    }
}
