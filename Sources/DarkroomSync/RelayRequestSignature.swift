import DarkroomCrypto
import Foundation

/// How a device signs a request to the relay, and how the relay checks it: one piece of
/// code for both sides.
///
/// A signed request carries five headers:
///
/// | Header | Value |
/// |---|---|
/// | `X-Darkroom-Device` | the signing device's id |
/// | `X-Darkroom-Timestamp` | seconds since 1970 (UTC) when the request was signed |
/// | `X-Darkroom-Nonce` | 32 random hex digits, never reused |
/// | `X-Darkroom-Content-Hash` | BLAKE2b-256 of the body, hex (of zero bytes for no body) |
/// | `X-Darkroom-Signature` | Ed25519 over `signedBytes`, hex |
///
/// The signed bytes are the domain-separation tag `darkroom-relay-request-v1` and then the
/// method, the path with its query, the content hash, the timestamp, the nonce and the device
/// id, each on its own line. The relay accepts a timestamp within its window of its own
/// clock and each nonce once within that window.
public struct RelayRequestSignature: Sendable, Equatable {
    /// The header that names the signing device.
    public static let deviceHeader = "X-Darkroom-Device"
    /// The header with the signing time (seconds since 1970).
    public static let timestampHeader = "X-Darkroom-Timestamp"
    /// The header with the one-time nonce.
    public static let nonceHeader = "X-Darkroom-Nonce"
    /// The header with BLAKE2b-256 of the body, hex.
    public static let contentHashHeader = "X-Darkroom-Content-Hash"
    /// The header with the Ed25519 signature, hex.
    public static let signatureHeader = "X-Darkroom-Signature"
    /// The domain-separation tag that starts the signed bytes.
    public static let domain = "darkroom-relay-request-v1"

    /// The device that signed.
    public var device: DeviceID
    /// Seconds since 1970 when it was signed.
    public var timestamp: Int64
    /// 32 hex digits, unique per request.
    public var nonce: String
    /// BLAKE2b-256 of the body.
    public var contentHash: Data
    /// The Ed25519 signature (64 bytes).
    public var signature: Data

    /// BLAKE2b-256 of a request body.
    public static func contentHash(of body: Data) -> Data { try! GenericHash.hash(body) }

    /// The bytes a device signs for one request.
    public static func signedBytes(method: String, pathAndQuery: String, contentHash: Data, timestamp: Int64, nonce: String, device: DeviceID) -> Data {
        let lines = [domain, method.uppercased(), pathAndQuery, ContentHash.hex([UInt8](contentHash)), String(timestamp), nonce, device.rawValue]
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Signs a request as `identity`, with a fresh nonce and the current time unless given.
    public static func sign(method: String, pathAndQuery: String, contentHash: Data, by identity: DeviceIdentity,
                            timestamp: Int64 = Int64(Date().timeIntervalSince1970), nonce: String = ContentHash.hex([UInt8](SecureRandom.bytes(16)))) -> RelayRequestSignature {
        let message = signedBytes(method: method, pathAndQuery: pathAndQuery, contentHash: contentHash, timestamp: timestamp, nonce: nonce, device: identity.id)
        return RelayRequestSignature(device: identity.id, timestamp: timestamp, nonce: nonce, contentHash: contentHash,
                                     signature: identity.signing.sign(message))
    }

    /// A signature with explicit parts.
    public init(device: DeviceID, timestamp: Int64, nonce: String, contentHash: Data, signature: Data) {
        self.device = device
        self.timestamp = timestamp
        self.nonce = nonce
        self.contentHash = contentHash
        self.signature = signature
    }

    /// The five headers, as (name, value) pairs.
    public var headers: [(String, String)] {
        [(Self.deviceHeader, device.rawValue), (Self.timestampHeader, String(timestamp)), (Self.nonceHeader, nonce),
         (Self.contentHashHeader, ContentHash.hex([UInt8](contentHash))), (Self.signatureHeader, ContentHash.hex([UInt8](signature)))]
    }

    /// Parses the headers of a request through `header` (a lookup by name).
    ///
    /// - Throws: `RelayRequestSignature.Failure.missing` or `.malformed`.
    public init(header: (String) -> String?) throws(Failure) {
        func value(_ name: String) throws(Failure) -> String {
            guard let v = header(name), !v.isEmpty else { throw .missing(name) }
            return v
        }
        guard let device = DeviceID(rawValue: try value(Self.deviceHeader)) else { throw .malformed(Self.deviceHeader) }
        guard let timestamp = Int64(try value(Self.timestampHeader)) else { throw .malformed(Self.timestampHeader) }
        let nonce = try value(Self.nonceHeader)
        guard nonce.count == 32, nonce.utf8.allSatisfy({ Self.hexValue($0) != nil }) else { throw .malformed(Self.nonceHeader) }
        guard let hash = Self.bytes(hex: try value(Self.contentHashHeader)), hash.count == 32 else { throw .malformed(Self.contentHashHeader) }
        guard let signature = Self.bytes(hex: try value(Self.signatureHeader)), signature.count == SigningPublicKey.signatureByteCount else {
            throw .malformed(Self.signatureHeader)
        }
        self.init(device: device, timestamp: timestamp, nonce: nonce, contentHash: hash, signature: signature)
    }

    /// Checks the signature with the device's public key and the timestamp against `now`.
    ///
    /// - Throws: `.expired` when the timestamp is more than `window` seconds away from `now`,
    ///   `.badSignature` when the signature does not verify for this request.
    public func verify(method: String, pathAndQuery: String, key: SigningPublicKey, now: Int64, window: Int64) throws(Failure) {
        guard abs(now - timestamp) <= window else { throw .expired(skewSeconds: timestamp - now) }
        let message = Self.signedBytes(method: method, pathAndQuery: pathAndQuery, contentHash: contentHash, timestamp: timestamp, nonce: nonce, device: device)
        guard key.isValidSignature(signature, for: message) else { throw .badSignature }
    }

    /// Why a request signature was refused.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// A header is missing.
        case missing(String)
        /// A header does not parse.
        case malformed(String)
        /// The timestamp is outside the relay's window (`skewSeconds` ahead, negative: behind).
        case expired(skewSeconds: Int64)
        /// The signature does not verify with the device's key.
        case badSignature
        /// The nonce was already used within the window.
        case replayed

        /// A short reason, used as a metrics label.
        public var reason: String {
            switch self {
            case .missing: return "missing"
            case .malformed: return "malformed"
            case .expired: return "expired"
            case .badSignature: return "bad_signature"
            case .replayed: return "replayed"
            }
        }

        /// What is wrong and what to do.
        public var description: String {
            switch self {
            case .missing(let h): return "the request has no \(h) header: requests to the relay must be signed by a member device"
            case .malformed(let h): return "the \(h) header does not parse"
            case .expired(let skew): return "the request timestamp is \(abs(skew)) s \(skew > 0 ? "ahead of" : "behind") the relay's clock: check the device's clock"
            case .badSignature: return "the request signature does not verify with the device's key"
            case .replayed: return "the request nonce was already used: a replayed request"
            }
        }
    }

    /// Lower-case or upper-case hex to bytes; nil when it is not hex of even length.
    public static func bytes(hex: String) -> Data? {
        var hex = hex
        return hex.withUTF8 { utf8 -> Data? in
            guard utf8.count % 2 == 0 else { return nil }
            var out = [UInt8](repeating: 0, count: utf8.count / 2)
            for i in out.indices {
                guard let hi = hexValue(utf8[2 * i]), let lo = hexValue(utf8[2 * i + 1]) else { return nil }
                out[i] = hi << 4 | lo
            }
            return Data(out)
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
