import Foundation
import HummingbirdTesting
import KeyflowMail
import KeyflowServer
import Testing

@Suite("Mail: the SMTP client and e-mailed sign-in links")
struct MailTests {
    @Test("a message goes out with its headers, an encoded subject, a base64 body and AUTH PLAIN")
    func sendsAMessage() async throws {
        let server = try await FakeMailServer.start()
        let settings = SMTPSettings(
            host: "127.0.0.1", port: server.port, security: .none, username: "keyflow", password: "pässword",
            from: "Keyflow <no-reply@bank.example>")
        try await SMTPClient(settings: settings).send(
            MailMessage(to: "zoë@client.example", subject: "Grüezi", text: "Line one\n.\nLine three"))
        let mail = try #require(server.received.first)
        #expect(mail.from == "<no-reply@bank.example>" && mail.to == "<zoë@client.example>")
        #expect(mail.header("Subject") == "=?UTF-8?B?\(Data("Grüezi".utf8).base64EncodedString())?=")
        #expect(mail.header("From") == "Keyflow <no-reply@bank.example>")
        #expect(mail.text == "Line one\n.\nLine three")
        let auth = try #require(server.state.withLock { $0.authentications.first })
        #expect(Data(base64Encoded: auth) == Data("\0keyflow\0pässword".utf8))
        await server.stop()
    }

    @Test("the client refuses what it should: no STARTTLS offered, header injection, a busy server")
    func refusals() async throws {
        let server = try await FakeMailServer.start()
        let plain = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none, from: "no-reply@bank.example")
        await #expect(throws: SMTPError.startTLSUnavailable) {
            var tls = plain
            tls.security = .startTLS
            try await SMTPClient(settings: tls).send(MailMessage(to: "a@b.example", subject: "s", text: "t"))
        }
        await #expect(throws: SMTPError.self) {
            try await SMTPClient(settings: plain).send(MailMessage(to: "a@b.example", subject: "s\r\nBcc: x@y.example", text: "t"))
        }
        server.state.withLock { $0.refuseNext = 1 }
        do {
            try await SMTPClient(settings: plain).send(MailMessage(to: "a@b.example", subject: "s", text: "t"))
            Issue.record("a 451 answer must fail the send")
        } catch {
            #expect(error.isTransient)
        }
        #expect(server.received.isEmpty)
        await server.stop()
    }

    @Test("the mail settings are read from one URL, and mistakes are named")
    func settingsFromURL() throws {
        let settings = try SMTPSettings(url: "smtp://user%40bank:se%2Fcret@mail.bank.example", from: "Keyflow <no-reply@bank.example>")
        #expect(settings.security == .startTLS && settings.port == 587)
        #expect(settings.username == "user@bank" && settings.password == "se/cret")
        #expect(try SMTPSettings(url: "smtps://mail.bank.example", from: "a@b.example").port == 465)
        #expect(throws: SMTPSettings.Problem.self) { try SMTPSettings(url: "smtp+plain://u:p@localhost", from: "a@b.example") }
        #expect(throws: SMTPSettings.Problem.self) { try SMTPSettings(url: "http://mail.example", from: "a@b.example") }
        #expect(throws: SMTPSettings.Problem.self) { try SMTPSettings(url: "smtps://mail.example", from: "not an address") }
        #expect(SMTPSettings.redacted("smtps://u:secret@mail.example") == "smtps://u:***@mail.example")
        #expect(throws: ConfigurationError.self) {
            try KeyflowConfiguration(environment: ["KEYFLOW_SMTP_URL": "smtps://mail.example", "KEYFLOW_MAIL_FROM": "a@b.example"])
        }
    }

    @Test("a client's sign-in link is e-mailed, and a busy mail server only delays it", arguments: TestServer.stores)
    func magicLinkByMail(store: TestServer.StoreKind) async throws {
        let mailServer = try await FakeMailServer.start()
        mailServer.state.withLock { $0.refuseNext = 1 }
        let server = try await TestServer.make(store) { configuration in
            configuration.mail = SMTPSettings(
                host: "127.0.0.1", port: mailServer.port, security: .none, from: "Keyflow <no-reply@bank.example>")
            configuration.jobRetry = .init(base: 0.2, cap: 1)
        }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient(name: "Zoë Client")
            let link = try await admin.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .created)
            #expect(link["emailed"] as? Bool == true)
            let url = try #require(link[string: "url"])
            var waited = 0
            while mailServer.received.isEmpty, waited < 100 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            let mail = try #require(mailServer.received.first)
            #expect(mail.text.contains(url) && mail.text.contains("Hello Zoë Client"))
            #expect(mailServer.received.count == 1)
        }
        await mailServer.stop()
    }

    @Test("an address the mail server refuses for good is tried once, not retried; the link is still shown")
    func permanentRefusal() async throws {
        let mailServer = try await FakeMailServer.start()
        mailServer.state.withLock { $0.rejectRecipients = true }
        let server = try await TestServer.make(.sqlite) { configuration in
            configuration.mail = SMTPSettings(host: "127.0.0.1", port: mailServer.port, security: .none, from: "no-reply@bank.example")
        }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let link = try await admin.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .created)
            #expect(link[string: "url"]?.contains("/magic/") == true)
            for _ in 0..<100 where mailServer.state.withLock({ $0.recipientAttempts }) == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            // the test server retries failed jobs within fractions of a second: a transient failure would repeat
            try await Task.sleep(for: .milliseconds(1500))
            #expect(mailServer.state.withLock { $0.recipientAttempts } == 1)
            #expect(mailServer.received.isEmpty)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(!metrics.contains(#"keyflow_jobs_queued{queue="mail.send"} 1"#))
        }
        await mailServer.stop()
    }
}
