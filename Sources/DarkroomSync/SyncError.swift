import Foundation

/// Why a sync operation outside envelope verification failed.
public enum SyncError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes or a value did not have the expected format.
    case malformed(String)
    /// A remote clock is further ahead of ours than allowed.
    case clockDrift(remoteMs: UInt64, localMs: UInt64, maximumMs: UInt64)
    /// A membership change or keyring does not verify.
    case membership(String)
    /// A device is not (or no longer) a member of the library.
    case notAMember(DeviceID)
    /// No key is known for this epoch.
    case unknownEpoch(UInt32)
    /// A blob did not match its name or its reference.
    case blobMismatch(String)

    /// A message that says what failed and what to do.
    public var description: String {
        switch self {
        case .malformed(let s): return "malformed sync data: \(s)"
        case .clockDrift(let r, let l, let m):
            return "a remote clock reads \(r) ms, \(r - l) ms ahead of this device (limit \(m) ms): check the date and time settings of both devices"
        case .membership(let s): return "membership rejected: \(s)"
        case .notAMember(let d): return "device \(d) is not an active member of this library"
        case .unknownEpoch(let e): return "no key for epoch \(e): this device was removed before that epoch, or has not received the newer keyring yet"
        case .blobMismatch(let s): return "blob rejected: \(s)"
        }
    }
}
