import Foundation
import Keyflow
import KeyflowStore
import Testing

@Suite("Users, sessions and templates in the store")
struct UserAndTemplateStoreTests {
    @Test("users are found by id and by email without case", arguments: TestStores.configurations)
    func users(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            try await store.read { db async throws in
                #expect(try await db.user(seed.owner.id) == seed.owner.lowercasedEmail)
                let byEmail = try await db.user(email: seed.owner.email.uppercased())
                #expect(byEmail?.user.id == seed.owner.id)
                #expect(byEmail?.passwordHash == "hash")
                #expect(try await db.users(in: seed.org.id).count == 2)
                #expect(try await db.organization(seed.org.id) == seed.org)
            }
        }
    }

    @Test("an email can only be used once", arguments: TestStores.configurations)
    func duplicateEmail(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let twin = User(organizationID: seed.org.id, email: seed.owner.email, name: "Twin", role: .member)
            await #expect(throws: StoreError.duplicate(what: "the email \(seed.owner.email)")) {
                try await store.write { try await $0.insert(twin, passwordHash: nil, at: seed.now) }
            }
        }
    }

    @Test("sessions sign in until they expire", arguments: TestStores.configurations)
    func sessions(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let token = UUID().uuidString
            try await store.write {
                try await $0.insertSession(
                    token: token, userID: seed.client.id, now: seed.now, expiresAt: seed.now.addingTimeInterval(60))
            }
            try await store.read { db async throws in
                #expect(try await db.user(sessionToken: token, now: seed.now)?.id == seed.client.id)
                #expect(try await db.user(sessionToken: token, now: seed.now.addingTimeInterval(61)) == nil)
                #expect(try await db.user(sessionToken: "other", now: seed.now) == nil)
            }
        }
    }

    @Test("templates round-trip, update and delete", arguments: TestStores.configurations)
    func templates(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            var template = FlowTemplate(
                organizationID: seed.org.id, ownerID: seed.owner.id, name: "KYC", roles: ["Client"],
                actions: [
                    ActionDefinition(
                        type: .form, title: "Details", assignee: .role("Client"), due: .days(3, excludeWeekends: true),
                        form: FormSpec(fields: [FormField(name: "dob", label: "Birth date", type: .date)]))
                ], createdAt: seed.now)
            let original = template
            try await store.write { try await $0.insert(original) }
            #expect(try await store.read { try await $0.template(original.id) } == original)
            template.name = "KYC v2"
            let renamed = template
            try await store.write { try await $0.update(renamed) }
            #expect(try await store.read { try await $0.templates(in: seed.org.id) }.map(\.name) == ["KYC v2"])
            try await store.write { try await $0.deleteTemplate(original.id) }
            #expect(try await store.read { try await $0.template(original.id) } == nil)
        }
    }
}

extension User {
    var lowercasedEmail: User {
        var copy = self
        copy.email = email.lowercased()
        return copy
    }
}
