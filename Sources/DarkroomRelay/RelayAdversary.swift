import DarkroomSync
import Foundation
import NIOConcurrencyHelpers

/// How a relay in test mode misbehaves towards readers, so tests can check that devices
/// detect a dishonest server. Off unless a test sets modes through `RelayServer`; never
/// configurable from the command line. The stored data is left intact.
public enum RelayAdversaryMode: Sendable, Equatable {
    /// Never list or serve this object.
    case drop(ObjectName)
    /// List `as` on the first page (from the start) and serve the bytes of `of` under it.
    case replay(of: ObjectName, as: ObjectName)
    /// Hide every object whose name starts with `prefix` and sorts at or after `from`.
    case withhold(prefix: String, from: ObjectName)

    /// Whether this mode hides `name` from readers.
    func hides(_ name: ObjectName) -> Bool {
        switch self {
        case .drop(let n): return n == name
        case .withhold(let prefix, let from): return name.rawValue.hasPrefix(prefix) && name >= from
        case .replay: return false
        }
    }
}

/// The adversary modes currently active (shared by all requests of one relay process).
/// The request path asks it about every object it lists or serves, so its state sits behind
/// a lock rather than in an actor.
final class RelayAdversary: Sendable {
    private let modes = NIOLockedValueBox<[RelayAdversaryMode]>([])

    func set(_ modes: [RelayAdversaryMode]) { self.modes.withLockedValue { $0 = modes } }

    /// Whether `name` is hidden from readers.
    func hides(_ name: ObjectName) -> Bool { modes.withLockedValue { $0.contains { $0.hides(name) } } }

    /// The stored object to serve for `name` (itself unless replayed).
    func source(for name: ObjectName) -> ObjectName {
        modes.withLockedValue { modes in
            for case .replay(let original, let injected) in modes where injected == name { return original }
            return name
        }
    }

    /// Names to add to a listing page that starts from the beginning.
    func injected() -> [ObjectName] {
        modes.withLockedValue { $0.compactMap { if case .replay(_, let injected) = $0 { return injected } else { return nil } } }
    }
}
