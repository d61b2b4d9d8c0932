import DarkroomCrypto
import Foundation

/// The one-time code `darkroom sync pair` prints and `darkroom sync join` takes: the library
/// id and an 80-bit random secret, in Crockford base32 groups (`7GQ2M4-…`, 42 characters).
///
/// The secret never reaches the transport. From it both devices derive a pairing id (which
/// names the join and welcome objects) and a pairing key under which the joining device's
/// card (`join/…`) and the keyring sealed to it (`welcome/…`) travel, so someone who controls
/// the transport can neither substitute their own card nor hand the new device a keyring of
/// their own. Both devices also show `PairingFingerprint.digits` to compare.
public struct PairingCode: Sendable, Equatable, CustomStringConvertible {
    /// The library being joined.
    public let library: LibraryID
    /// The secret (10 bytes).
    public let secret: Data

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A new code for `library` with a random secret.
    public init(library: LibraryID) {
        self.library = library
        self.secret = SecureRandom.bytes(10)
    }

    /// Parses a code (case, spaces and dashes do not matter; I and L read as 1, O as 0).
    /// - Throws: `SyncError.malformed` for anything that is not a pairing code.
    public init(_ text: String) throws {
        var bits = 0, acc = 0
        var bytes: [UInt8] = []
        for ch in text.uppercased() where ch != "-" && ch != " " {
            let c: Character = ch == "I" || ch == "L" ? "1" : ch == "O" ? "0" : ch
            guard let v = Self.alphabet.firstIndex(of: c) else { throw SyncError.malformed("the pairing code contains '\(ch)'") }
            acc = (acc << 5) | v
            bits += 5
            if bits >= 8 { bits -= 8; bytes.append(UInt8((acc >> bits) & 0xFF)) }
        }
        guard bytes.count == 26, let library = LibraryID(rawValue: ContentHash.hex(Array(bytes[0..<16]))) else {
            throw SyncError.malformed("a pairing code has 42 characters; check that it was copied whole")
        }
        self.library = library
        self.secret = Data(bytes[16...])
    }

    /// The code as printed: 7 groups of 6 characters.
    public var description: String {
        var bytes = [UInt8](), hex = Array(library.rawValue.utf8)
        for i in stride(from: 0, to: hex.count, by: 2) { bytes.append(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16)!) }
        bytes += secret
        var out = "", bits = 0, acc = 0
        for byte in bytes {
            acc = (acc << 8) | Int(byte)
            bits += 8
            while bits >= 5 { bits -= 5; out.append(Self.alphabet[(acc >> bits) & 31]) }
        }
        if bits > 0 { out.append(Self.alphabet[(acc << (5 - bits)) & 31]) }
        return stride(from: 0, to: out.count, by: 6).map { i in
            let start = out.index(out.startIndex, offsetBy: i)
            return String(out[start..<out.index(start, offsetBy: min(6, out.count - i))])
        }.joined(separator: "-")
    }

    /// The id naming this pairing's objects: 32 hex digits of BLAKE2b-256("darkroom-pairing-id-v1" || secret).
    public var pairingID: String {
        ContentHash.hex([UInt8]((try! GenericHash.hash(Data("darkroom-pairing-id-v1".utf8) + secret)).prefix(16)))
    }

    /// The key join and welcome objects are sealed under: BLAKE2b-256("darkroom-pairing-key-v1" || secret).
    var key: SymmetricKey { try! SymmetricKey(bytes: try! GenericHash.hash(Data("darkroom-pairing-key-v1".utf8) + secret)) }

    private func associatedData(_ kind: String, _ device: DeviceID) -> Data {
        Data("darkroom-\(kind)-v1|\(library)|\(pairingID)|\(device)".utf8)
    }

    /// The join request of `identity`: its card under the pairing key, and the object name.
    public func joinRequest(for card: DeviceCard) throws -> (name: ObjectName, bytes: Data) {
        let bytes = AEAD.seal(try JSONEncoder().encode(card), key: key, associatedData: associatedData("join", card.id))
        return (SyncObjectName.join(pairing: pairingID, device: card.id).objectName, bytes)
    }

    /// Opens a join request of `device`.
    /// - Throws: `CryptoError.authenticationFailed` when it was not made with this code.
    public func openJoinRequest(_ bytes: Data, device: DeviceID) throws -> DeviceCard {
        let card = try JSONDecoder().decode(DeviceCard.self, from: try AEAD.open(bytes, key: key, associatedData: associatedData("join", device)))
        guard card.id == device else { throw SyncError.malformed("the join request names device \(card.id), not \(device)") }
        return card
    }

    /// The welcome for `device`: the keyring sealed to it, wrapped under the pairing key.
    public func welcome(sealedKeyring: Data, for device: DeviceID) -> (name: ObjectName, bytes: Data) {
        (SyncObjectName.welcome(pairing: pairingID, device: device).objectName,
         AEAD.seal(sealedKeyring, key: key, associatedData: associatedData("welcome", device)))
    }

    /// Opens the welcome addressed to `identity` and the keyring in it, checking it is this code's library.
    public func openWelcome(_ bytes: Data, as identity: DeviceIdentity) throws -> LibraryKeyring {
        let sealed = try AEAD.open(bytes, key: key, associatedData: associatedData("welcome", identity.id))
        return try LibraryKeyring.open(sealed, as: identity, expectedLibrary: library)
    }
}
