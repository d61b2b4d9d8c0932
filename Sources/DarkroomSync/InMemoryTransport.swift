import Foundation

/// Shared storage behind any number of `InMemoryTransport`s: the "server" of a test.
public actor InMemoryObjectStore {
    private var objects: [(name: ObjectName, data: Data)] = []
    private var positions: [ObjectName: Int] = [:]

    /// An empty store.
    public init() {}

    /// Stores an object (write-once; same bytes again is a no-op).
    public func put(_ data: Data, name: ObjectName) throws {
        if let i = positions[name] {
            guard objects[i].data == data else { throw TransportError.conflict(name) }
            return
        }
        positions[name] = objects.count
        objects.append((name, data))
    }

    /// Objects from position `start` on, in insertion order.
    func objects(from start: Int) -> ArraySlice<(name: ObjectName, data: Data)> {
        objects[min(start, objects.count)...]
    }

    /// The bytes under `name`.
    func get(_ name: ObjectName) -> Data? { positions[name].map { objects[$0].data } }

    /// Number of stored objects.
    public var count: Int { objects.count }
}

/// How a dishonest transport misbehaves towards one reader. Every mode only changes what
/// that reader lists or gets; the store itself is left intact.
public enum AdversarialMode: Sendable, Equatable {
    /// Never list or serve this object.
    case drop(ObjectName)
    /// List each page in reverse order.
    case reorder
    /// List every name twice.
    case duplicate
    /// List `as` as a new object whose bytes are those of the older object `of`.
    case replay(of: ObjectName, as: ObjectName)
    /// Serve each object's bytes under the other's name.
    case swap(ObjectName, ObjectName)
    /// Serve only the first `keepBytes` bytes of this object.
    case truncate(ObjectName, keepBytes: Int)
    /// Hide every object whose name starts with `prefix` and sorts at or after `from`
    /// (the tail of one device's log).
    case withhold(prefix: String, from: ObjectName)
    /// Serve `replacement` instead of the stored bytes of `name`: another history, shown
    /// to this reader only.
    case fork(ObjectName, replacement: Data)
}

/// A transport over an `InMemoryObjectStore`, as seen by one device, with optional
/// adversarial modes to test that readers detect a dishonest server. Cursors are positions
/// in the store's insertion order; pages hold at most `pageSize` stored objects.
public actor InMemoryTransport: SyncTransport {
    /// The shared storage.
    public let store: InMemoryObjectStore
    /// Stored objects per listing page.
    public let pageSize: Int
    /// The active misbehaviours, applied in order.
    public private(set) var modes: [AdversarialMode] = []

    /// A view of `store`; an honest one unless modes are set.
    public init(store: InMemoryObjectStore, pageSize: Int = 1000) {
        self.store = store
        self.pageSize = max(1, pageSize)
    }

    /// Replaces the active modes.
    public func setModes(_ modes: [AdversarialMode]) { self.modes = modes }

    /// Stores through to the shared store.
    public func put(_ object: Data, name: ObjectName) async throws {
        try await store.put(object, name: name)
    }

    /// Lists after a position, applying the listing modes.
    public func list(after cursor: TransportCursor?) async throws -> TransportListing {
        var start = 0
        if let cursor {
            guard let n = Int(cursor.rawValue), n >= 0 else { throw TransportError.invalidCursor(cursor.rawValue) }
            start = n
        }
        let slice = await store.objects(from: start)
        let page = slice.prefix(pageSize)
        var names = page.map(\.name).filter(isVisible)
        for case .replay(_, let injected) in modes where cursor == nil || !names.isEmpty {
            names.append(injected)
        }
        if modes.contains(.reorder) { names.reverse() }
        if modes.contains(.duplicate) { names = names.flatMap { [$0, $0] } }
        let end = start + page.count
        return TransportListing(names: names, nextCursor: TransportCursor(rawValue: String(end)), hasMore: slice.count > page.count)
    }

    /// Gets the bytes, applying the serving modes.
    public func get(_ name: ObjectName) async throws -> Data {
        guard isVisible(name) else { throw TransportError.notFound(name) }
        for mode in modes {
            switch mode {
            case .replay(let original, let injected) where injected == name:
                return try await stored(original)
            case .fork(let target, let replacement) where target == name:
                return replacement
            case .swap(let a, let b) where a == name || b == name:
                return try await stored(a == name ? b : a)
            case .truncate(let target, let keep) where target == name:
                return try await stored(name).prefix(keep)
            default:
                continue
            }
        }
        return try await stored(name)
    }

    private func stored(_ name: ObjectName) async throws -> Data {
        guard let data = await store.get(name) else { throw TransportError.notFound(name) }
        return data
    }

    private func isVisible(_ name: ObjectName) -> Bool {
        for mode in modes {
            switch mode {
            case .drop(let hidden) where hidden == name:
                return false
            case .withhold(let prefix, let from) where name.rawValue.hasPrefix(prefix) && name >= from:
                return false
            default:
                continue
            }
        }
        return true
    }
}
