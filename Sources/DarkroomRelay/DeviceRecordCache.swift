import DarkroomSync
import NIOConcurrencyHelpers

/// Device records a SQLite-backed relay has read, kept in memory: every request reads its
/// device's key, and the records change only when a membership does.
///
/// Kept only where this process is the sole writer of the records (`SQLiteRelayStorage`; a
/// PostgreSQL database is shared by several processes, which could not tell each other). The
/// writer calls `invalidate()` once a change of the records has committed, before it answers.
/// A read that raced with the change does not put its possibly older record back: each read
/// notes the cache's generation first and stores its result only if no invalidation happened
/// meanwhile. So once a revocation's put has been answered, no request of the revoked device is
/// accepted, as without the cache.
final class DeviceRecordCache: Sendable {
    private struct Key: Hashable {
        var library: String
        var device: String
    }

    private struct State {
        var generation = 0
        /// nil values: devices that are not members (also kept, so forged requests cost no read).
        var records: [Key: RelayDeviceRecord?] = [:]
    }

    /// Entries beyond which the cache starts again empty (about 100 bytes each).
    static let maxEntries = 100_000

    private let state = NIOLockedValueBox(State())

    /// The record from memory, or from `read` (then kept unless an invalidation came between).
    func record(_ device: DeviceID, in library: LibraryID, read: () throws -> RelayDeviceRecord?) throws -> RelayDeviceRecord? {
        let key = Key(library: library.rawValue, device: device.rawValue)
        let (cached, generation): (RelayDeviceRecord??, Int) = state.withLockedValue { ($0.records[key], $0.generation) }
        if let cached { return cached }
        let record = try read()
        state.withLockedValue { s in
            guard s.generation == generation else { return }
            if s.records.count >= Self.maxEntries { s.records.removeAll() }
            s.records[key] = .some(record)
        }
        return record
    }

    /// Forgets every record; call after a change of device records commits.
    func invalidate() {
        state.withLockedValue { s in
            s.generation += 1
            s.records.removeAll()
        }
    }
}
