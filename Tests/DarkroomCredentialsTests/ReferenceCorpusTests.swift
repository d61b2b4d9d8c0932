import DarkroomCredentials
import Foundation
import Testing

/// Darkroom's verdicts on PNGs signed (and tampered with) by the C2PA reference implementation equal the
/// reference's own verdicts, recorded in Fixtures/credentials/expected.json by make-fixtures.py.
@Suite struct ReferenceCorpusTests {
    struct Expected: Decodable {
        var state: String
        var failures: [String]
        var signer: String?
        var claim_generator: String?
        var actions: [String]
        var digital_source_type: String?
        var ingredients: [[String: String]]
    }

    static let verdicts: [String: Expected] = {
        struct File: Decodable { var verdicts: [String: Expected] }
        let data = (try? Data(contentsOf: CredentialsFixtures.folder.appendingPathComponent("expected.json"))) ?? Data()
        return (try? JSONDecoder().decode(File.self, from: data).verdicts) ?? [:]
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.verdicts.count >= 8)
    }

    @Test(arguments: ["valid.png", "valid-camera.png", "tampered-pixels.png", "tampered-manifest.png", "tampered-assertion.png",
                      "wrong-usage.png", "unsigned.png", "with-ingredient.png"])
    func verdictEqualsTheReference(file: String) async throws {
        let expected = try #require(Self.verdicts[file])
        let report = await CredentialsVerifier().verify(try CredentialsFixtures.bytes(file))
        switch expected.state {
        case "NoManifest": #expect(report.state == .none)
        case "Valid": #expect(report.state == .untrusted)
        case "Invalid": #expect(report.state == .invalid)
        default: Issue.record("unexpected reference state \(expected.state)")
        }
        #expect(Set(report.failures) == Set(expected.failures), "\(report.details)")
        #expect(report.signer?.displayName == expected.signer)
        #expect(report.claimGenerator == expected.claim_generator)
        #expect(report.actions == expected.actions)
        #expect(report.digitalSourceType == expected.digital_source_type)
        #expect(report.ingredients.map { ["title": $0.title ?? "", "relationship": $0.relationship ?? ""] } == expected.ingredients)
    }

    @Test func theFixtureRootMakesTheSignerTrusted() async throws {
        let anchors = CredentialsVerifier.anchors(fromPEM: try CredentialsFixtures.text("ca.cert.pem"))
        let report = await CredentialsVerifier(trustAnchors: anchors).verify(try CredentialsFixtures.bytes("valid.png"))
        #expect(report.state == .valid)
        #expect(report.failures.isEmpty)
    }
}
