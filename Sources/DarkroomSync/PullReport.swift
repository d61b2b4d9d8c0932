import Foundation

/// Something a reader noticed about what the transport served.
public enum Detection: Sendable, Equatable, CustomStringConvertible {
    /// The object could not be decoded (truncated or corrupted bytes).
    case unreadable(ObjectName, reason: String)
    /// The object decoded but failed a check.
    case rejected(ObjectName, EnvelopeError)
    /// An older envelope of the same log served under a newer name.
    case replayed(ObjectName, device: DeviceID, sequence: UInt64)
    /// Another object's bytes served under this name.
    case swapped(ObjectName, device: DeviceID, sequence: UInt64)
    /// The same name listed more than once (harmless: applied once).
    case duplicateListing(ObjectName)
    /// A log's envelopes listed out of sequence order (harmless: applied in order).
    case reordered(DeviceID)
    /// Envelopes missing from a log; the ones after them are held back until they arrive.
    case gap(DeviceID, missing: ClosedRange<UInt64>)
    /// Two different validly signed histories for one log at this sequence.
    case forked(DeviceID, sequence: UInt64)
    /// The transport lists fewer envelopes of a log than this device already verified.
    case rolledBack(DeviceID, listedUpTo: UInt64, verified: UInt64)
    /// The transport no longer serves an object this device verified or wrote (a log's newest
    /// envelope, this device's newest checkpoint): restored from an older copy, or hiding it from
    /// this device.
    case headMissing(ObjectName)
    /// A signed checkpoint says the log goes further than the transport shows.
    case withheld(DeviceID, claimed: UInt64, available: UInt64, reportedBy: DeviceID)
    /// A checkpoint older than one already seen from the same signer.
    case staleCheckpoint(ObjectName, signer: DeviceID, counter: UInt64)

    /// False only for the harmless notices: duplicate listing, reordering, and envelopes a
    /// revoked device wrote before it learned of its revocation (rejected, as they must be, but
    /// nothing the transport did wrong: the revoking device cut the log at what it had verified).
    public var isViolation: Bool {
        switch self {
        case .duplicateListing, .reordered: return false
        case .rejected(_, .revokedDevice): return false
        default: return true
        }
    }

    /// What was detected, in words.
    public var description: String {
        switch self {
        case .unreadable(let n, let r): return "\(n): unreadable (\(r))"
        case .rejected(let n, let e): return "\(n): rejected: \(e)"
        case .replayed(let n, let d, let s): return "\(n): replay of the older envelope \(d)#\(s)"
        case .swapped(let n, let d, let s): return "\(n): holds envelope \(d)#\(s) instead (objects swapped)"
        case .duplicateListing(let n): return "\(n): listed more than once"
        case .reordered(let d): return "log \(d): listed out of order"
        case .gap(let d, let m): return "log \(d): envelopes #\(m.lowerBound)...#\(m.upperBound) missing (dropped or not arrived yet); later ones held back"
        case .forked(let d, let s): return "log \(d): two different histories at #\(s) (fork)"
        case .headMissing(let n): return "\(n): verified earlier but no longer served (the transport was rolled back to an older state, or hides it from this device)"
        case .rolledBack(let d, let l, let v): return "log \(d): transport lists up to #\(l) but #\(v) was already verified (rolled back or truncated)"
        case .withheld(let d, let c, let a, let by): return "log \(d): \(by)'s checkpoint says #\(c) exists but only #\(a) is available (withheld, or still in transit)"
        case .staleCheckpoint(let n, let s, let c): return "\(n): checkpoint #\(c) from \(s) is older than one already seen"
        }
    }
}

/// The outcome of one pull: what verified, in order per log, and everything detected.
public struct PullReport: Sendable, Equatable {
    /// Envelopes that passed every check, in sequence order per log; apply them.
    public var accepted: [OpenedEnvelope] = []
    /// Everything noticed, violations and notices.
    public var detections: [Detection] = []
    /// Listed names that are not logs or checkpoints (blobs, keyrings), for the caller.
    public var otherObjects: [ObjectName] = []

    /// An empty report.
    public init() {}

    /// The detections that indicate a faulty or dishonest transport (or device).
    public var violations: [Detection] { detections.filter(\.isViolation) }
    /// True when nothing suspicious was detected.
    public var isClean: Bool { violations.isEmpty }
}
