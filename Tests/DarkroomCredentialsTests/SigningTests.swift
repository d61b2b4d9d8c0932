import DarkroomCredentials
import Foundation
import Testing

@Suite struct SigningTests {
    @Test func signsAPNGWithTheFixtureSigner() throws {
        let signed = try PNGCredentials.sign(try CredentialsFixtures.bytes("unsigned.png"), definition: CredentialsFixtures.darkroomDefinition,
                                             identity: try CredentialsFixtures.signer())
        try Data(signed).write(to: URL(fileURLWithPath: "/tmp/darkroom-signed.png"))
    }
}
