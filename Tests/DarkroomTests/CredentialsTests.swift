import Darkroom
import DarkroomCredentials
import DarkroomStore
import Foundation
import Testing

/// Content Credentials through the facade: what an app sees.
@Suite struct CredentialsTests {
    @Test func aPictureSyncedFromAnotherDeviceIsReadWhenItArrives() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        let made = try await a.runGeneration(request(), using: TestGenerator()) { _ in }
        let madeHash = try #require(made.image).hash
        #expect(try await a.storedCredentials(forImage: madeHash)?.state == .valid)
        try await world.syncAll()
        let item = try await b.item(made.id)
        let hash = try #require(item.image).hash
        let report = try #require(try await b.storedCredentials(forImage: hash))
        // Signed by device A's library authority, which device A published through sync: B trusts it.
        #expect(report.state == .valid && report.aiGenerated, "\(report.details)")
        var aiOnly = GalleryQuery()
        aiOnly.credentials = .ai
        #expect(try await b.items(aiOnly).map(\.id) == [made.id])
    }

    @Test func aRevokedDevicesAuthorityStopsBeingTrusted() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        let made = try await b.runGeneration(request(), using: TestGenerator()) { _ in }
        try await world.syncAll()
        let hash = try #require(made.image).hash
        #expect(try await a.storedCredentials(forImage: hash)?.state == .valid)
        // Device 0 revokes device 1: at its next run, device 1's authority is no longer trusted there.
        let revoked = try #require(try await world.syncs[0].devices().first { !$0.isThisDevice })
        try await world.syncs[0].revoke(device: revoked.id)
        _ = try await world.syncs[0].run()
        #expect(try await a.storedCredentials(forImage: hash)?.state == .untrusted)
        #expect(await a.credentials(ofFile: try Data(contentsOf: a.url(of: try #require(made.image).path))).state == .untrusted)
    }

    @Test func theSigningKeysAreSealedAndALibraryCopiedWithoutThemGetsNewOnes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-credentials-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let library = try await Library.open(at: root.appendingPathComponent("lib"), create: true, keyDirectory: root.appendingPathComponent("keys"))
        let signer = try await library.credentialsSigner()
        let raw = [UInt8](signer.key.rawRepresentation)
        // The private key appears in no file of the library folder; the sealing key lies outside it.
        let files = FileManager.default.enumerator(at: library.folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files {
            guard let bytes = try? [UInt8](Data(contentsOf: file)), bytes.count >= raw.count else { continue }
            #expect(!(0...(bytes.count - raw.count)).contains { bytes[$0..<($0 + raw.count)].elementsEqual(raw) }, "\(file.path)")
        }
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("keys/\(library.info.libraryID).credentials.key").path))
        // The same folder opened with another key directory: the old keys cannot be opened, so new ones are made
        // and the old files are kept beside them.
        let copy = try await Library.open(at: library.folder, keyDirectory: root.appendingPathComponent("other-keys"))
        let replacement = try await copy.credentialsSigner()
        #expect(replacement.key.publicKey != signer.key.publicKey)
        #expect(FileManager.default.fileExists(atPath: library.folder.appendingPathComponent("credentials/keys.sealed.replaced").path))
        #expect(try await copy.credentialsSigner().key.publicKey == replacement.key.publicKey)   // and they stay
    }

    @Test func aHalfConfiguredOrganisationIdentityRefusesToGenerate() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-credentials-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let library = try await Library.open(at: root.appendingPathComponent("lib"), create: true, keyDirectory: root.appendingPathComponent("keys"))
        let pem = root.appendingPathComponent("cert.pem")
        try Data("not a certificate".utf8).write(to: pem)
        _ = try await library.setSetting("credentials.certificate", value: pem.path)
        await #expect(throws: LibraryError.self) { _ = try await library.runGeneration(request(), using: TestGenerator()) { _ in } }
        #expect(try await library.items(GalleryQuery()).isEmpty)   // refused before any row was written
    }
}

@Suite struct GenerationInputsTests {
    @Test func inputsRoundTripThroughTheirStoredJSON() throws {
        let inputs = GenerationInputs(initImage: .init(hash: "ab", generationID: "g1"), mask: .init(hash: "cd", generationID: "g2"),
                                      strength: 0.6, loras: [.init(name: "film", sha256: "ef", scale: 0.8)],
                                      embeddings: [.init(name: "tok", sha256: "01")])
        let json = try #require(inputs.storedJSON)
        #expect(json.contains("\"init_image\"") && json.contains("\"generation_id\""))
        #expect(GenerationInputs(storedJSON: json) == inputs)
        #expect(GenerationInputs().storedJSON == nil)
    }

    @Test func aStartingPictureAndTheInputsOfAGenerationSyncToTheOtherDevice() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        let start = try await a.inputPicture(.file(fixturesFolder.appendingPathComponent("png/sample-sunset.png")))
        var asked = request()
        asked.inputs = GenerationInputs(initImage: start, strength: 0.5)
        let made = try await a.runGeneration(asked, using: TestGenerator()) { _ in }
        #expect(made.generation.parentID == start.generationID)
        try await world.syncAll()
        let received = try await b.item(made.id)
        #expect(GenerationInputs(storedJSON: received.generation.inputs) == asked.inputs)
        let startThere = try await b.item(start.generationID)
        #expect(startThere.image?.hash == start.hash)
        #expect(FileManager.default.fileExists(atPath: b.url(of: try #require(startThere.image).path).path))
        // Emptying the trash deletes the starting picture's item but keeps its picture, which a generation started from.
        _ = try await a.trash([start.generationID])
        #expect(try await a.emptyTrash() == 1)
        #expect(try await a.inputPixels(for: asked.inputs, width: 64, height: 64)?.initImage != nil)
    }
}
