import Foundation

/// The kinds of objects sync stores in a transport, and their names:
///
/// | Object | Name |
/// |---|---|
/// | envelope `seq` of `device`'s log | `log/<device>/<seq, 20 digits>` |
/// | checkpoint `counter` signed by `device` | `checkpoint/<device>/<counter, 20 digits>` |
/// | encrypted blob | `blob/<BLAKE2b-256 of the ciphertext, hex>` |
/// | keyring for membership `version`, sealed to `device` | `keyring/<version, 20 digits>/<device>` |
/// | recovery bundle (see `RecoveryBundle`), named by a lookup id derived from the recovery key | `recovery/<64 hex>` |
/// | signed membership list `version` (public keys and revocations only) | `membership/<version, 20 digits>` |
/// | join request of `device` for one pairing (see `PairingCode`) | `join/<pairing id, 32 hex>/<device>` |
/// | welcome (the keyring for `device`) answering a join request | `welcome/<pairing id, 32 hex>/<device>` |
///
/// A relay authorizes by name: `log/D/…` and `checkpoint/D/…` only from device D; `blob/`,
/// `keyring/`, `membership/`, `welcome/` and `recovery/` from any active member; `join/`
/// from anyone (small, rate-limited: the content is encrypted under the pairing code);
/// reads from active members, except `recovery/<id>`, which anyone may get by exact name
/// (the name is unguessable without the recovery words).
public enum SyncObjectName: Sendable, Hashable {
    /// An envelope of one device's log.
    case log(DeviceID, sequence: UInt64)
    /// A signed checkpoint.
    case checkpoint(DeviceID, counter: UInt64)
    /// An encrypted blob named by its ciphertext hash (64 hex digits).
    case blob(String)
    /// A keyring sealed to one device after a membership change.
    case keyring(version: UInt64, device: DeviceID)
    /// A recovery bundle sealed under the recovery key, named by `RecoveryBundle.lookupID`.
    case recovery(String)
    /// A signed membership list (`SignedMembership`) of one version.
    case membership(version: UInt64)
    /// A join request: the joining device's card, encrypted under the pairing code's key.
    case join(pairing: String, device: DeviceID)
    /// The answer to a join request: the keyring sealed to the device, wrapped under the pairing key.
    case welcome(pairing: String, device: DeviceID)

    /// The transport name.
    public var objectName: ObjectName {
        switch self {
        case .log(let d, let s): return ObjectName(rawValue: "log/\(d)/\(Self.digits(s))")!
        case .checkpoint(let d, let c): return ObjectName(rawValue: "checkpoint/\(d)/\(Self.digits(c))")!
        case .blob(let h): return ObjectName(rawValue: "blob/\(h)")!
        case .keyring(let v, let d): return ObjectName(rawValue: "keyring/\(Self.digits(v))/\(d)")!
        case .recovery(let id): return ObjectName(rawValue: "recovery/\(id)")!
        case .membership(let v): return ObjectName(rawValue: "membership/\(Self.digits(v))")!
        case .join(let p, let d): return ObjectName(rawValue: "join/\(p)/\(d)")!
        case .welcome(let p, let d): return ObjectName(rawValue: "welcome/\(p)/\(d)")!
        }
    }

    /// Parses a transport name; nil for names sync does not use.
    public init?(_ name: ObjectName) {
        let parts = name.segments
        guard parts.count == 3 || (parts.count == 2 && ["blob", "recovery", "membership"].contains(parts[0])) else { return nil }
        switch parts[0] {
        case "log":
            guard let d = DeviceID(rawValue: String(parts[1])), let s = Self.number(parts[2]) else { return nil }
            self = .log(d, sequence: s)
        case "checkpoint":
            guard let d = DeviceID(rawValue: String(parts[1])), let c = Self.number(parts[2]) else { return nil }
            self = .checkpoint(d, counter: c)
        case "blob":
            guard Self.isHex(parts[1], length: 64) else { return nil }
            self = .blob(String(parts[1]))
        case "recovery":
            guard Self.isHex(parts[1], length: 64) else { return nil }
            self = .recovery(String(parts[1]))
        case "membership":
            guard parts.count == 2, let v = Self.number(parts[1]) else { return nil }
            self = .membership(version: v)
        case "join", "welcome":
            guard Self.isHex(parts[1], length: 32), let d = DeviceID(rawValue: String(parts[2])) else { return nil }
            self = parts[0] == "join" ? .join(pairing: String(parts[1]), device: d) : .welcome(pairing: String(parts[1]), device: d)
        case "keyring":
            guard let v = Self.number(parts[1]), let d = DeviceID(rawValue: String(parts[2])) else { return nil }
            self = .keyring(version: v, device: d)
        default:
            return nil
        }
    }

    private static func digits(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }

    private static func isHex(_ s: Substring, length: Int) -> Bool {
        s.count == length && s.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    private static func number(_ s: Substring) -> UInt64? {
        guard s.count == 20 else { return nil }
        return UInt64(s)
    }
}
