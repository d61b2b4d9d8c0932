import DarkroomSync
import DarkroomStore
import Foundation

/// Why a sync command could not do what was asked, with what to do about it.
public enum SyncFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sync was never set up for this library.
    case notConfigured
    /// Sync is already set up (or a join is under way) for this library.
    case alreadyConfigured(String)
    /// This device asked to join and has not been admitted yet.
    case waitingForAdmission
    /// This device asked to join longer ago than a pairing code stays open: it will not be admitted.
    case pairingExpired(hours: Int)
    /// This device was removed from the library.
    case revoked
    /// Another `sync run` holds the library's sync lock.
    case busy
    /// The device key (kept outside the library folder) is missing or unreadable.
    case deviceKeyUnavailable(String)
    /// No recovery bundle for these words in the transport, or the words are wrong.
    case recoveryNotFound
    /// The transport failed.
    case transport(String)
    /// A transport description that is not `folder:PATH`, `http://HOST:PORT` or `https://HOST` (the text given).
    case invalidTransport(String)
    /// A library id that is not 32 hex digits (the text given).
    case invalidLibraryID(String)
    /// A device name that is empty.
    case emptyDeviceName
    /// A device asked to revoke itself (another device must).
    case cannotRevokeThisDevice
    /// The device named is already revoked (its id).
    case alreadyRevoked(device: String)
    /// No member of the library matches the id prefix or name given.
    case unknownDevice(String)
    /// Several members match the id prefix or name given (how many).
    case ambiguousDevice(String, matches: Int)

    /// The problem, in words; what to do about it is the caller's to say (the CLI names its commands).
    public var description: String {
        switch self {
        case .notConfigured: return "Sync is not set up for this library."
        case .alreadyConfigured(let what): return "Sync is already set up for this library (\(what))."
        case .pairingExpired(let hours): return "The pairing code expired (codes stay open \(hours) hours) before this device was admitted."
        case .waitingForAdmission: return "Waiting to be admitted by the device that made the pairing code."
        case .revoked: return "This device was removed from the library: it keeps what it had but can no longer sync."
        case .busy: return "Another sync run is working on this library."
        case .deviceKeyUnavailable(let reason): return "The device key that protects this library's sync keys is unavailable (\(reason))."
        case .recoveryNotFound: return "No recovery bundle matches these words in this transport: check the words and the transport."
        case .transport(let reason): return "The sync transport failed: \(reason)"
        case .invalidTransport("folder:"):
            return "`folder:` needs a path, e.g. folder:/mnt/usb/darkroom-sync."
        case .invalidTransport(let text): return "Unknown transport '\(text)': use folder:PATH, http://HOST:PORT or https://HOST."
        case .invalidLibraryID(let text): return "'\(text)' is not a sync library id (32 hex digits)."
        case .emptyDeviceName: return "A device name cannot be empty."
        case .cannotRevokeThisDevice: return "A device cannot revoke itself; revoke it from another device."
        case .alreadyRevoked(let device): return "Device \(device) is already revoked."
        case .unknownDevice(let text): return "No device matches '\(text)'."
        case .ambiguousDevice(let text, let count): return "'\(text)' matches \(count) devices; give more of the id."
        }
    }
}
