import Foundation
import KeyflowMail
import KeyflowStore
import Logging

/// Mail goes out through the durable job queue: written in the same transaction as what it announces, sealed
/// (it carries sign-in links), and retried with back-off while the mail server is away.
struct Outbox: Sendable {
    static let queue = "mail.send"
    static let maximumAttempts = 12

    let client: SMTPClient
    let secrets: SecretBox
    let logger: Logger

    func enqueue(_ message: MailMessage, requestID: String?, in db: StoreSession, now: Date) async throws {
        let sealed = secrets.seal(String(decoding: try JSONEncoder().encode(message), as: UTF8.self))
        try await db.enqueue(
            queue: Self.queue, payload: sealed, runAt: now, maxAttempts: Self.maximumAttempts, requestID: requestID,
            now: now)
    }

    func deliver(_ job: Job) async throws {
        let message = try JSONDecoder().decode(MailMessage.self, from: Data(try secrets.open(job.payload).utf8))
        do {
            try await client.send(message, messageID: "\(job.id)@keyflow")
            logger.info("mail sent", metadata: ["job": "\(job.id)", "host": "\(client.settings.host)"])
        } catch where !error.isTransient {
            // A refused address or message will be refused again: give up at once. The link was shown to
            // whoever asked for it, so nothing is lost. The log names the job, never the address.
            logger.error("mail refused for good; not retried", metadata: ["job": "\(job.id)", "error": "\(error)"])
        } catch {
            logger.notice("mail not sent yet", metadata: ["job": "\(job.id)", "error": "\(error)"])
            throw error
        }
    }
}
