import KeyflowStore
import Testing

@testable import KeyflowServer

/// Where the store is and how it talks to PostgreSQL, from the environment.
@Suite("Store configuration")
struct StoreConfigurationTests {
    static let url = "postgres://keyflow@db.example:5432/keyflow"

    @Test("PostgreSQL prepares statements unless told not to (behind a pooler in transaction mode)")
    func preparedStatements() throws {
        let preparing = try KeyflowConfiguration(environment: ["KEYFLOW_DATABASE_URL": Self.url])
        #expect(preparing.store == .postgres(url: Self.url, maxConnectionsPerEventLoop: 4, preparedStatements: true))
        let unprepared = try KeyflowConfiguration(
            environment: ["KEYFLOW_DATABASE_URL": Self.url, "KEYFLOW_DATABASE_PREPARED_STATEMENTS": "false", "KEYFLOW_DATABASE_POOL_SIZE": "2"])
        #expect(unprepared.store == .postgres(url: Self.url, maxConnectionsPerEventLoop: 2, preparedStatements: false))
    }

    @Test("jobs side by side follow the store unless set: 128 on PostgreSQL, whose batches write their results together, 32 on SQLite")
    func jobConcurrency() throws {
        #expect(try KeyflowConfiguration(environment: ["KEYFLOW_DATABASE_URL": Self.url]).jobConcurrency == 128)
        #expect(try KeyflowConfiguration(environment: [:]).jobConcurrency == 32)
        #expect(try KeyflowConfiguration(environment: ["KEYFLOW_DATABASE_URL": Self.url, "KEYFLOW_JOB_CONCURRENCY": "16"]).jobConcurrency == 16)
        #expect(try KeyflowConfiguration(environment: ["KEYFLOW_JOB_CONCURRENCY": "64"]).jobConcurrency == 64)
    }

    @Test("a setting that is not true or false stops the start, naming the variable")
    func invalidSetting() {
        #expect {
            try KeyflowConfiguration(environment: ["KEYFLOW_DATABASE_URL": Self.url, "KEYFLOW_DATABASE_PREPARED_STATEMENTS": "sometimes"])
        } throws: { error in
            "\(error)".contains("KEYFLOW_DATABASE_PREPARED_STATEMENTS") && "\(error)".contains("true or false")
        }
    }
}
