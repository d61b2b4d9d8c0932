import DarkroomSync
import Foundation
import NIOConcurrencyHelpers

/// Small objects this relay process served recently, kept in memory so that the next devices
/// asking for them cost no storage read.
///
/// Sound because objects are write-once: once stored, the bytes under a library's object name
/// never change and are never deleted, so a copy cannot go stale, whatever the back end and
/// however many relay processes serve it. In the usual sync pattern one device puts an
/// envelope and every other device of the library then gets it, so most gets are of an object
/// another device just fetched; served from here, a get reads nothing but its device's key.
///
/// Bounded by bytes with two generations (an approximate least-recently-used order with O(1)
/// steps): entries go into the current generation; when it holds half the capacity it becomes
/// the previous one and the old previous one is dropped; a hit in the previous generation moves
/// the entry back into the current one. Only objects up to `maxObjectBytes` are kept.
final class RecentObjectCache: Sendable {
    /// A cached object: its size and digest, and all of its bytes.
    struct Object: Sendable {
        var info: RelayObjectInfo
        var bytes: Data
    }

    private struct Key: Hashable {
        var library: String
        var name: String
    }

    private struct Generations {
        var current: [Key: Object] = [:]
        var currentBytes = 0
        var previous: [Key: Object] = [:]
    }

    /// Objects larger than this are never kept.
    static let maxObjectBytes = 64 << 10
    /// Bookkeeping counted per entry on top of its bytes.
    private static let entryOverhead = 256

    private let capacityBytes: Int
    private let generations = NIOLockedValueBox(Generations())

    /// A cache holding at most about `capacityBytes` (0: keeps nothing).
    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    /// Whether an object of `size` bytes would be kept.
    func accepts(size: Int64) -> Bool { capacityBytes > 0 && size <= Self.maxObjectBytes }

    /// The object, when it is here.
    func object(_ name: ObjectName, in library: LibraryID) -> Object? {
        guard capacityBytes > 0 else { return nil }
        let key = Key(library: library.rawValue, name: name.rawValue)
        return generations.withLockedValue { g in
            if let object = g.current[key] { return object }
            guard let object = g.previous.removeValue(forKey: key) else { return nil }
            Self.add(object, key, to: &g, half: capacityBytes / 2)
            return object
        }
    }

    /// Keeps `object` (whose bytes are the whole stored object) when it is small enough.
    func insert(_ object: Object, name: ObjectName, in library: LibraryID) {
        guard accepts(size: Int64(object.bytes.count)), object.info.size == Int64(object.bytes.count) else { return }
        let key = Key(library: library.rawValue, name: name.rawValue)
        generations.withLockedValue { g in
            guard g.current[key] == nil else { return }
            g.previous.removeValue(forKey: key)
            Self.add(object, key, to: &g, half: capacityBytes / 2)
        }
    }

    /// Bytes held now, bookkeeping included (tests).
    var heldBytes: Int {
        generations.withLockedValue { g in (g.current.values.map(\.bytes.count).reduce(0, +) + g.previous.values.map(\.bytes.count).reduce(0, +))
            + (g.current.count + g.previous.count) * Self.entryOverhead }
    }

    private static func add(_ object: Object, _ key: Key, to g: inout Generations, half: Int) {
        g.current[key] = object
        g.currentBytes += object.bytes.count + entryOverhead
        if g.currentBytes >= half {
            g.previous = g.current
            g.current = [:]
            g.currentBytes = 0
        }
    }
}
