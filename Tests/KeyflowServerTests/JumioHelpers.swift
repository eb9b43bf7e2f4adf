import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

/// The steps of a Jumio journey as the tests take them, over HTTP like the browser does.
extension API {
    /// A template with a Jumio action on the SANDBOX data center for the client, then a To-Do that greets
    /// them by the name Jumio read; started as a flow with the client bound. Returns the flow's id and the
    /// Jumio action's id.
    func jumioFlow(clientID: String, workflow: String = "idVerification", secret: String = "sandbox-secret-123")
        async throws -> (flowID: String, actionID: String, nextID: String)
    {
        let ownerID = try await userID()
        let template = try await object(
            .post, "/api/v1/templates",
            json: """
                {"name": "KYC", "roles": ["Client"], "actions": [
                  {"type": "jumio", "title": "Verify your identity", "assignee": {"role": "Client"},
                   "jumio": {"dataCenter": "SANDBOX", "workflowType": "\(workflow)", "clientId": "keyflow-test", "clientSecret": "\(secret)"}},
                  {"type": "todo", "title": "Welcome {{actions.1.outputs.firstName}}", "assignee": {"userId": "\(ownerID)"}}]}
                """, expect: .created)
        let flow = try await object(
            .post, "/api/v1/flows",
            json: #"{"templateId": "\#(template[string: "id"]!)", "name": "KYC", "members": [{"role": "Client", "userId": "\#(clientID)"}]}"#,
            expect: .created)
        let actions = flow[list: "actions"].compactMap { $0[string: "id"] }
        return (flow[string: "id"]!, actions[0], actions[1])
    }

    /// A new client's Jumio flow whose verification has passed (the Jumio action completed); its flow id.
    func passedVerificationFlow() async throws -> String {
        let (clientID, client) = try await addClient()
        let flow = try await jumioFlow(clientID: clientID)
        let attempt = try await client.startVerification(flow.actionID)
        try await API.finishJourney(attempt.href, outcome: "pass")
        try await client.waitForFlow(flow.flowID, "the verification to pass") { $0.actionStatuses.first == "completed" }
        return flow.flowID
    }

    func startVerification(_ actionID: String) async throws -> (attemptID: String, href: String) {
        let started = try await object(.post, "/api/v1/actions/\(actionID)/verification", expect: .created)
        return (started[string: "attemptId"]!, started[string: "href"]!)
    }

    /// What the journey page does on submit, with the sandbox outcome chosen (`pass`, `reject:FAKE`, …).
    static func finishJourney(_ href: String, outcome: String) async throws {
        let components = try #require(URLComponents(string: href))
        let token = try #require(components.queryItems?.first { $0.name == "authorizationToken" }?.value)
        let page = try #require(href.split(separator: "?").first.map(String.init))
        for (step, body) in [
            ("start", #"{"authorizationToken": "\#(token)"}"#),
            ("submit", #"{"authorizationToken": "\#(token)", "outcome": "\#(outcome)"}"#),
        ] {
            var request = HTTPClientRequest(url: "\(page)/\(step)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw Unexpected(description: "journey \(step): HTTP \(response.status.code)") }
        }
    }

    func flow(_ flowID: String) async throws -> [String: Any] {
        try await object(.get, "/api/v1/flows/\(flowID)", expect: .ok)
    }

    /// Polls the flow until `condition` holds (the job worker runs in the background); fails after 10 s.
    @discardableResult
    func waitForFlow(_ flowID: String, _ what: String, until condition: ([String: Any]) -> Bool) async throws
        -> [String: Any]
    {
        for _ in 0..<400 {
            let current = try await flow(flowID)
            if condition(current) { return current }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Unexpected(description: "timed out waiting for \(what): \(try await flow(flowID))")
    }

    func timelineKinds(_ flowID: String) async throws -> [String] {
        try await object(.get, "/api/v1/flows/\(flowID)/timeline", expect: .ok)[list: "items"].compactMap { $0[string: "kind"] }
    }

    func setSandboxFaults(_ json: String) async throws {
        _ = try await object(.post, "/sandbox/jumio/_sandbox/faults", json: json, expect: .ok)
    }
}

extension Dictionary where Key == String, Value == Any {
    var actionStatuses: [String] { self[list: "actions"].compactMap { $0[string: "status"] } }

    func attempts(of index: Int) -> [[String: Any]] {
        ((self[list: "actions"][index]["verification"] as? [String: Any])?["attempts"] as? [[String: Any]]) ?? []
    }
}
