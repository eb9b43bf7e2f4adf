import Foundation
import JumioKit
import Testing

@testable import JumioSandbox

@Suite("JumioClient against the sandbox: tokens and accounts")
struct AccountAndTokenTests {
    func request(_ key: Int = 2, reference: String = "keyflow-attempt-1", callback: String? = nil) -> JumioAccountRequest {
        JumioAccountRequest(
            customerInternalReference: reference, workflowKey: key, userReference: "user-1", callbackUrl: callback,
            tokenLifetime: "30m", web: .init(successUrl: "https://keyflow.example/done", locale: "de"))
    }

    @Test("an account is created with its execution, journey link and credentials per workflow")
    func createAccount() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            let idOnly = try await client.createAccount(request(2), on: harness.connection())
            #expect(idOnly.workflowExecution.credentials?.map(\.category) == ["ID"])
            let href = try #require(idOnly.web?.href)
            #expect(href.hasPrefix("\(harness.baseURL)/web/client?authorizationToken="))
            #expect(href.hasSuffix("&locale=de"))
            let identity = try await client.createAccount(request(3), on: harness.connection())
            #expect(identity.workflowExecution.credentials?.map(\.category) == ["ID", "SELFIE", "FACEMAP"])
            #expect(identity.workflowExecution.credentials?.last?.allowedChannels == ["WEB", "SDK"])
            #expect(identity.account.id != idOnly.account.id)
            let status = try await client.status(
                accountID: identity.account.id, executionID: identity.workflowExecution.id, on: harness.connection())
            #expect(status.workflowExecution.status == .initiated)
            #expect(status.workflowExecution.definitionKey == "3")
        }
    }

    @Test("an update starts a new execution on the same account; an unknown account is not found")
    func updateAccount() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            let first = try await client.createAccount(request(), on: harness.connection())
            let second = try await client.updateAccount(first.account.id, request(reference: "keyflow-attempt-2"), on: harness.connection())
            #expect(second.account.id == first.account.id)
            #expect(second.workflowExecution.id != first.workflowExecution.id)
            let unknown = "00000000-0000-4000-8000-000000000000"
            await #expect(throws: JumioError.notFound("Account \(unknown) does not exist")) {
                try await client.updateAccount(unknown, request(), on: harness.connection())
            }
        }
    }

    @Test("50 concurrent account creations share exactly one token request")
    func sharedToken() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            let connection = harness.connection()
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await client.createAccount(self.request(reference: "concurrent-\(index)"), on: connection).account.id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 50)
            #expect(harness.sandbox.tokenRequestCount == 1)
        }
    }

    @Test("wrong credentials are reported as such, and nothing else is tried")
    func badCredentials() async throws {
        let expected = JumioCredentials(clientID: "right-id", clientSecret: "right-secret")
        try await SandboxHarness.with(credentials: expected) { harness async throws in
            let client = JumioClient.forTests()
            await #expect(throws: JumioError.badCredentials("The provided credentials are invalid")) {
                try await client.verifyCredentials(harness.connection(id: "right-id", secret: "wrong"))
            }
            try await client.verifyCredentials(harness.connection(id: "right-id", secret: "right-secret"))
        }
    }

    @Test("a refused token is renewed once and the call goes through")
    func renewOn401() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            let created = try await client.createAccount(request(), on: harness.connection())
            harness.sandbox.revokeTokens()
            let status = try await client.status(
                accountID: created.account.id, executionID: created.workflowExecution.id, on: harness.connection())
            #expect(status.workflowExecution.status == .initiated)
            #expect(harness.sandbox.tokenRequestCount == 2)
        }
    }

    @Test(
        "requests Jumio would refuse are stopped before they are sent, saying which field",
        arguments: [
            ("a/b", "customerInternalReference must not contain '/' (forbidden: < > \" / ; ` % { } |)"),
            ("", "customerInternalReference must have 1 to 100 characters"),
            (String(repeating: "x", count: 101), "customerInternalReference must have 1 to 100 characters"),
        ])
    func localValidation(reference: String, expected: String) async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            await #expect(throws: JumioError.invalidRequest(expected)) {
                try await client.createAccount(request(reference: reference), on: harness.connection())
            }
            #expect(harness.sandbox.tokenRequestCount == 0)
        }
    }

    @Test("token lifetimes follow Jumio's format and range")
    func tokenLifetime() {
        #expect(JumioAccountRequest.tokenLifetimeProblem("30m") == nil)
        #expect(JumioAccountRequest.tokenLifetimeProblem("60d") == nil)
        #expect(JumioAccountRequest.tokenLifetimeProblem("4m") == "tokenLifetime must be between 5m and 60d")
        #expect(JumioAccountRequest.tokenLifetimeProblem("61d") == "tokenLifetime must be between 5m and 60d")
        #expect(JumioAccountRequest.tokenLifetimeProblem("30 minutes") != nil)
        #expect(JumioAccountRequest.tokenLifetimeSeconds("+2h") == 7200)
    }

    @Test("the sandbox itself enforces User-Agent, Bearer tokens and field rules with Jumio's error body")
    func sandboxEnforcement() async throws {
        try await SandboxHarness.with { harness async throws in
            let transport = JumioTransport.live()
            let url = harness.baseURL + "/api/v1/accounts"
            let body = Data(#"{"customerInternalReference":"a;b","workflowDefinition":{"key":2}}"#.utf8)
            let noAgent = try await transport.send(
                JumioHTTPRequest(method: "POST", url: url, headers: [("Authorization", "Bearer x")], body: body), .seconds(5))
            #expect(noAgent.status == 403)
            let noToken = try await transport.send(
                JumioHTTPRequest(method: "POST", url: url, headers: [("User-Agent", "test")], body: body), .seconds(5))
            #expect(noToken.status == 401)
            #expect(String(decoding: noToken.body, as: UTF8.self).contains(#""title":"Unauthorized""#))
            let client = JumioClient.forTests()
            try await client.verifyCredentials(harness.connection())
            let badGrant = try await transport.send(
                JumioHTTPRequest(
                    method: "POST", url: harness.endpoints.tokenURL,
                    headers: [("Authorization", "Basic " + Data("a:b".utf8).base64EncodedString())],
                    body: Data("grant_type=password".utf8)), .seconds(5))
            #expect(badGrant.status == 400)
        }
    }

    /// Checked on the sandbox itself: HTTP strips the blanks around a header's value before it arrives, so a
    /// request could not tell a blank User-Agent from a missing one.
    @Test("a User-Agent of blanks alone is refused like a missing one; any other character is enough")
    func blankUserAgent() {
        let sandbox = JumioSandbox(configuration: SandboxConfiguration(publicBaseURL: "http://127.0.0.1/jumio"))
        let refused = SandboxError.forbidden("A User-Agent header naming your company and application is required")
        for agent in [nil, "", " \t ", "\u{0B}\u{A0}\u{3000}"] {
            #expect(throws: refused, "User-Agent \(String(describing: agent))") {
                try sandbox.authorize(authorization: "Bearer x", userAgent: agent)
            }
        }
        #expect(throws: SandboxError.unauthorized(), "past the User-Agent check, the unknown token is refused") {
            try sandbox.authorize(authorization: "Bearer x", userAgent: " Keyflow ")
        }
    }

    @Test("the health endpoint answers")
    func health() async throws {
        try await SandboxHarness.with { harness async throws in
            #expect(try await JumioClient.forTests().health(harness.endpoints).status == "UP")
        }
    }

    @Test("credentials never show their secret")
    func redaction() {
        let credentials = JumioCredentials(clientID: "id-1", clientSecret: "very-secret")
        #expect(!"\(credentials)".contains("very-secret"))
        #expect(!String(reflecting: credentials).contains("very-secret"))
    }
}
