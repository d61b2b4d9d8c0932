import Foundation
import Testing
@testable import DarkroomSync

/// The transports every `SyncTransport` test runs against.
enum TransportKind: String, CaseIterable, Sendable {
    case inMemory, folder

    /// Two devices' transports over one shared backing, and a clean-up action.
    func makePair() throws -> (SyncTransport, SyncTransport, @Sendable () -> Void) {
        switch self {
        case .inMemory:
            let store = InMemoryObjectStore()
            return (InMemoryTransport(store: store, pageSize: 3), InMemoryTransport(store: store, pageSize: 3), {})
        case .folder:
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID())")
            return (try FolderTransport(root: root, writer: DeviceID(rawValue: "aaaa")!),
                    try FolderTransport(root: root, writer: DeviceID(rawValue: "bbbb")!),
                    { try? FileManager.default.removeItem(at: root) })
        }
    }
}

private func name(_ s: String) -> ObjectName { ObjectName(rawValue: s)! }

@Test(arguments: TransportKind.allCases)
func transportStoresListsAndServes(kind: TransportKind) async throws {
    let (a, b, cleanUp) = try kind.makePair()
    defer { cleanUp() }
    for i in 1...7 { try await a.put(Data("a\(i)".utf8), name: name("log/aaaa/\(i)")) }
    try await b.put(Data("b1".utf8), name: name("log/bbbb/1"))
    let all = try await b.listAll(after: nil)
    #expect(Set(all.names) == Set((1...7).map { name("log/aaaa/\($0)") } + [name("log/bbbb/1")]))
    #expect(all.names.count == 8)
    #expect(try await b.get(name("log/aaaa/5")) == Data("a5".utf8))
    #expect(try await a.get(name("log/bbbb/1")) == Data("b1".utf8))
    // Nothing new after the final cursor; then exactly the new object.
    #expect(try await b.listAll(after: all.cursor).names.isEmpty)
    try await a.put(Data("a8".utf8), name: name("log/aaaa/8"))
    #expect(try await b.listAll(after: all.cursor).names == [name("log/aaaa/8")])
}

@Test(arguments: TransportKind.allCases)
func transportPutsAreIdempotentAndWriteOnce(kind: TransportKind) async throws {
    let (a, _, cleanUp) = try kind.makePair()
    defer { cleanUp() }
    try await a.put(Data("x".utf8), name: name("blob/1"))
    try await a.put(Data("x".utf8), name: name("blob/1"))
    await #expect(throws: TransportError.conflict(name("blob/1"))) { try await a.put(Data("y".utf8), name: name("blob/1")) }
    #expect(try await a.listAll(after: nil).names == [name("blob/1")])
    await #expect(throws: TransportError.notFound(name("blob/2"))) { try await a.get(name("blob/2")) }
    await #expect(throws: TransportError.self) { try await a.list(after: TransportCursor(rawValue: "not a cursor")) }
}
