import Foundation
import Keyflow
import Testing

@Suite("Names")
struct NamingTests {
    @Test("a name of white space alone, of any kind, is refused as empty; one with anything else is kept", arguments: [
        ("", false), ("   ", false), ("\n\t\r", false), ("\u{3000}\u{00A0}\u{2028}", false),
        ("a", true), ("  Onboarding  ", true), ("\u{3000}東京", true),
    ])
    func blankNames(name: String, accepted: Bool) {
        do {
            try Naming.validateName(name, what: "flow name", field: "name")
            #expect(accepted, "\(name.debugDescription) was accepted")
        } catch {
            #expect(!accepted && "\(error)".contains("must not be empty"), "\(error)")
        }
    }
}
