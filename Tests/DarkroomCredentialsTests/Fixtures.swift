import DarkroomCredentials
import Foundation

/// The committed C2PA fixtures (Fixtures/credentials, made by make-fixtures.py with the reference implementation).
enum CredentialsFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/credentials")

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))) }
    static func text(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }

    /// The fixtures' signer (a test-only key and certificate issued by the fixtures' root CA), chain signer first.
    static func signer() throws -> SigningIdentity {
        try SigningIdentity(certificatesPEM: try text("signer.cert.pem") + "\n" + text("ca.cert.pem"), keyPEM: try text("signer.key.pem"))
    }

    static let darkroomDefinition = ManifestDefinition(
        generator: GeneratorInfo(name: "Darkroom", version: "test"), title: "test.png",
        actions: [ManifestAction(action: ManifestAction.created, digitalSourceType: DigitalSourceType.trainedAlgorithmicMedia,
                                 softwareAgent: GeneratorInfo(name: "Darkroom", version: "test"))],
        assertions: [CustomAssertion(label: "app.darkroom.generation", content: .map([CBOR.Pair("seed", 7), CBOR.Pair("steps", 8)]))])
}
