import Foundation
import Testing

@testable import KeyflowServer

@Suite("The payload of a verification job")
struct VerificationJobTests {
    @Test("a job reads back as written, with and without its hint, and so does the JSON Codable wrote before")
    func roundTrip() throws {
        let jobs = [
            VerificationJob(attemptID: UUID(), source: .callback, hint: #"PROCESSED "quoted" \ ü"#),
            VerificationJob(attemptID: UUID(), source: .reconciler),
        ]
        for job in jobs {
            #expect(try VerificationJob.decode(job.encoded()) == job)
        }
        let id = UUID()
        let earlier = #"{"source":"callback","hint":null,"attemptID":"\#(id.uuidString.lowercased())"}"#
        #expect(try VerificationJob.decode(earlier) == VerificationJob(attemptID: id, source: .callback))
        #expect(jobs[1].encoded() == #"{"attemptID":"\#(jobs[1].attemptID.uuidString)","source":"reconciler"}"#)
    }

    @Test("a payload that is not a job's is refused, naming it")
    func refused() {
        for payload in ["", "[]", #"{"attemptID":"not-an-id","source":"callback"}"#,
            #"{"attemptID":"\#(UUID().uuidString)","source":"carrier pigeon"}"#,
            #"{"attemptID":"\#(UUID().uuidString)","source":"callback","hint":7}"#]
        {
            #expect {
                try VerificationJob.decode(payload)
            } throws: { error in
                (error as? VerificationJob.Unreadable)?.description.hasSuffix(payload) == true
            }
        }
    }
}
