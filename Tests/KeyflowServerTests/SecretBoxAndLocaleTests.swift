import Foundation
@testable import KeyflowServer
import Testing

@Suite("Sealed secrets and journey languages")
struct SecretBoxAndLocaleTests {
    let oldKey = Data(repeating: 1, count: 32).base64EncodedString()
    let newKey = Data(repeating: 2, count: 32).base64EncodedString()

    @Test("a sealed secret opens again, and names its key without showing the secret")
    func roundTrip() throws {
        let box = try SecretBox(keyID: "k1", base64Key: oldKey)
        let sealed = box.seal("client-secret-1")
        #expect(sealed.hasPrefix("v1.k1."))
        #expect(!sealed.contains("client-secret-1"))
        #expect(try box.open(sealed) == "client-secret-1")
        #expect(box.seal("client-secret-1") != sealed)
    }

    @Test("after rotation, old secrets still open and new ones use the new key")
    func rotation() throws {
        let sealedWithOld = try SecretBox(keyID: "k1", base64Key: oldKey).seal("s")
        let rotated = try SecretBox(keyID: "k2", base64Key: newKey, previous: ["k1": oldKey])
        #expect(try rotated.open(sealedWithOld) == "s")
        #expect(rotated.seal("s").hasPrefix("v1.k2."))
        let withoutOld = try SecretBox(keyID: "k2", base64Key: newKey)
        #expect(throws: SecretBox.Failure.unknownKey("k1")) { try withoutOld.open(sealedWithOld) }
    }

    @Test("tampered secrets and bad keys are refused")
    func refusals() throws {
        let box = try SecretBox(keyID: "k1", base64Key: oldKey)
        let parts = box.seal("secret").split(separator: ".").map(String.init)
        var bytes = [UInt8](Data(base64Encoded: parts[2])!)
        bytes[bytes.count / 2] ^= 0x01
        let tampered = "\(parts[0]).\(parts[1]).\(Data(bytes).base64EncodedString())"
        #expect(throws: SecretBox.Failure.corrupt) { try box.open(tampered) }
        #expect(throws: SecretBox.Failure.self) { try SecretBox(keyID: "k", base64Key: "c2hvcnQ=") }
    }

    @Test(
        "the journey speaks the assignee's language when Jumio has it",
        arguments: [
            (["de-CH", "en"], "de"), (["pt-BR"], "pt-BR"), (["en-gb"], "en-GB"), (["xx", "fr;q=0.8"], "fr"),
            (["tlh"], nil),
        ])
    func locale(preferred: [String], expected: String?) {
        #expect(JumioGateway.locale(preferred: preferred) == expected)
    }
}
