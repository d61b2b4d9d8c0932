import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("folder-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func twoDevicesSyncThroughRealFiles() async throws {
    var f = try SyncFixture()
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let atA = try FolderTransport(root: root, writer: f.a.id)
    let atB = try FolderTransport(root: root, writer: f.b.id)
    try await f.write(3, from: f.a.id, to: atA)
    try await f.write(2, from: f.b.id, to: atB)
    let (blob, ciphertext) = try BlobSealer.seal(Data("picture".utf8))
    try await atA.put(ciphertext, name: blob.name)

    // Each device wrote only into its own sub-folder, and nothing is left half-written.
    let aFiles = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("aaaa").path).sorted()
    #expect(aFiles == ["000000000001.log~aaaa~00000000000000000001", "000000000002.log~aaaa~00000000000000000002",
                       "000000000003.log~aaaa~00000000000000000003", "000000000004." + blob.name.rawValue.replacingOccurrences(of: "/", with: "~")])
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("bbbb").path).count == 2)

    var bReader = LogVerifier(library: f.library)
    let atBReport = try await bReader.pull(from: atB, keyring: f.keyring)
    #expect(atBReport.isClean)
    #expect(atBReport.acceptedSequences == ["aaaa#1", "aaaa#2", "aaaa#3", "bbbb#1", "bbbb#2"])
    #expect(atBReport.otherObjects == [blob.name])
    #expect(try BlobSealer.open(try await atB.get(blob.name), reference: blob) == Data("picture".utf8))

    // Incremental: only what is new after the persisted cursor.
    try await f.write(1, from: f.a.id, to: atA)
    let state = try JSONDecoder().decode(LogVerifierState.self, from: JSONEncoder().encode(bReader.state))
    var resumed = LogVerifier(library: f.library, state: state)
    let incremental = try await resumed.pull(from: atB, keyring: f.keyring)
    #expect(incremental.acceptedSequences == ["aaaa#4"])
}

@Test func folderPutsAreIdempotentAndWriteOnce() async throws {
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let t = try FolderTransport(root: root, writer: DeviceID(rawValue: "aaaa")!)
    let name = ObjectName(rawValue: "log/aaaa/00000000000000000001")!
    try await t.put(Data("one".utf8), name: name)
    try await t.put(Data("one".utf8), name: name)
    await #expect(throws: TransportError.conflict(name)) { try await t.put(Data("two".utf8), name: name) }
    // A put interrupted before its rename left a temp file; a restart cleans it up.
    let leftover = root.appendingPathComponent("aaaa/.tmp-interrupted")
    try Data("half".utf8).write(to: leftover)
    // A new transport instance over the same folder (an app restart) knows what is there.
    let restarted = try FolderTransport(root: root, writer: DeviceID(rawValue: "aaaa")!)
    try await restarted.put(Data("one".utf8), name: name)
    try await restarted.put(Data("x".utf8), name: ObjectName(rawValue: "blob/x")!)
    #expect(try await restarted.listAll(after: nil).names == [name, ObjectName(rawValue: "blob/x")!])
    #expect(!FileManager.default.fileExists(atPath: leftover.path))
    await #expect(throws: TransportError.notFound(ObjectName(rawValue: "nope")!)) { try await restarted.get(ObjectName(rawValue: "nope")!) }
}

@Test func folderListingToleratesForeignFilesAndOutOfOrderArrival() async throws {
    var f = try SyncFixture()
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: root) }
    let staging = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: staging) }
    // A writes into a staging copy; a sync tool then copies files into the shared folder one by one.
    let atA = try FolderTransport(root: staging, writer: f.a.id)
    try await f.write(3, from: f.a.id, to: atA)
    let aFolder = root.appendingPathComponent("aaaa")
    try FileManager.default.createDirectory(at: aFolder, withIntermediateDirectories: true)
    let files = try FileManager.default.contentsOfDirectory(atPath: staging.appendingPathComponent("aaaa").path).sorted()
    func deliver(_ i: Int) throws {
        try FileManager.default.copyItem(at: staging.appendingPathComponent("aaaa").appendingPathComponent(files[i]), to: aFolder.appendingPathComponent(files[i]))
    }
    // Foreign debris: another tool's temp file, a stray note, a folder that is no device id.
    try Data("partial".utf8).write(to: aFolder.appendingPathComponent(".syncthing.000000000002.tmp"))
    try Data("notes".utf8).write(to: aFolder.appendingPathComponent("README.txt"))
    try FileManager.default.createDirectory(at: root.appendingPathComponent("Not A Device"), withIntermediateDirectories: true)
    try deliver(0)
    try deliver(2)  // #3 arrives before #2

    let atB = try FolderTransport(root: root, writer: f.b.id)
    var verifier = LogVerifier(library: f.library)
    let first = try await verifier.pull(from: atB, keyring: f.keyring)
    #expect(first.acceptedSequences == ["aaaa#1"])
    #expect(first.violations == [.gap(f.a.id, missing: 2...2)])
    try deliver(1)
    let second = try await verifier.pull(from: atB, keyring: f.keyring)
    #expect(second.acceptedSequences == ["aaaa#2", "aaaa#3"])
    #expect(second.isClean)
}
