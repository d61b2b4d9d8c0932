import DarkroomCrypto
import Foundation

/// The one-time code `darkroom sync pair` prints and `darkroom sync join` takes: the library
/// id and an 80-bit random secret, in Crockford base32: 9 groups of 6 characters, each group five
/// characters of the code and one check character (`7GQ2MD-…`, 54 characters).
///
/// The check character of group g (0-based) over its characters c0…c4 (values 0-31) is
/// (Σ (2i+1)·ci + 7g + 1) mod 32: every single mistyped character, and a group typed in the
/// wrong place, is caught when the code is read, and the error names the group.
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
    /// Groups in a code, each of `groupData` code characters and one check character.
    static let groups = 9, groupData = 5

    /// A new code for `library` with a random secret.
    public init(library: LibraryID) {
        self.library = library
        self.secret = SecureRandom.bytes(10)
    }

    /// Parses a code (case, spaces and dashes do not matter; I and L read as 1, O as 0).
    /// - Throws: `SyncError.malformed` for anything that is not a pairing code, naming the
    ///   group whose check character fails.
    public init(_ text: String) throws {
        var values: [Int] = []
        for ch in text.uppercased() where ch != "-" && ch != " " {
            let c: Character = ch == "I" || ch == "L" ? "1" : ch == "O" ? "0" : ch
            guard let v = Self.alphabet.firstIndex(of: c) else { throw SyncError.malformed("the pairing code contains '\(ch)'") }
            values.append(v)
        }
        let length = Self.groups * (Self.groupData + 1)
        guard values.count == length else {
            throw SyncError.malformed("a pairing code has \(length) characters in \(Self.groups) groups; this one has \(values.count): check that it was copied whole")
        }
        var data: [Int] = []
        for group in 0..<Self.groups {
            let chunk = Array(values[group * (Self.groupData + 1) ..< (group + 1) * (Self.groupData + 1)])
            guard Self.check(Array(chunk.prefix(Self.groupData)), group: group) == chunk[Self.groupData] else {
                let shown = String(chunk.map { Self.alphabet[$0] })
                throw SyncError.malformed("group \(group + 1) (\(shown)) of the pairing code does not check out: a character in it is mistyped")
            }
            data += chunk.prefix(Self.groupData)
        }
        var bits = 0, acc = 0
        var bytes: [UInt8] = []
        for v in data where bytes.count < 26 {
            acc = (acc << 5) | v
            bits += 5
            if bits >= 8 { bits -= 8; bytes.append(UInt8((acc >> bits) & 0xFF)) }
        }
        guard bytes.count == 26, let library = LibraryID(rawValue: ContentHash.hex(Array(bytes[0..<16]))) else {
            throw SyncError.malformed("the pairing code does not name a library")
        }
        self.library = library
        self.secret = Data(bytes[16...])
    }

    /// The check character of one group.
    private static func check(_ group: [Int], group index: Int) -> Int {
        (group.enumerated().reduce(0) { $0 + (2 * $1.offset + 1) * $1.element } + 7 * index + 1) & 31
    }

    /// The code as printed: 9 groups of 6 characters.
    public var description: String {
        var bytes = [UInt8](), hex = Array(library.rawValue.utf8)
        for i in stride(from: 0, to: hex.count, by: 2) { bytes.append(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16)!) }
        bytes += secret
        var values: [Int] = [], bits = 0, acc = 0
        for byte in bytes {
            acc = (acc << 8) | Int(byte)
            bits += 8
            while bits >= 5 { bits -= 5; values.append((acc >> bits) & 31) }
        }
        if bits > 0 { values.append((acc << (5 - bits)) & 31) }
        values += Array(repeating: 0, count: Self.groups * Self.groupData - values.count)
        return (0..<Self.groups).map { group in
            let chunk = Array(values[group * Self.groupData ..< (group + 1) * Self.groupData])
            return String((chunk + [Self.check(chunk, group: group)]).map { Self.alphabet[$0] })
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

    /// What a joining device sends: its card, and the name it chose (under the pairing key like
    /// the card, so the transport never sees it; the admitting device records it at once).
    public struct JoinRequest: Codable, Sendable, Equatable {
        /// The joining device's card.
        public var card: DeviceCard
        /// The name the device chose at `sync join`.
        public var name: String?
    }

    /// The join request of `card` named `name`: sealed under the pairing key, and the object name.
    public func joinRequest(for card: DeviceCard, name: String? = nil) throws -> (name: ObjectName, bytes: Data) {
        let plaintext = try JSONEncoder().encode(JoinRequest(card: card, name: name))
        let bytes = AEAD.seal(plaintext, key: key, associatedData: associatedData("join", card.id))
        return (SyncObjectName.join(pairing: pairingID, device: card.id).objectName, bytes)
    }

    /// Opens a join request of `device` (also one from a version that sent the bare card).
    /// - Throws: `CryptoError.authenticationFailed` when it was not made with this code.
    public func openJoinRequest(_ bytes: Data, device: DeviceID) throws -> JoinRequest {
        let plaintext = try AEAD.open(bytes, key: key, associatedData: associatedData("join", device))
        let request = try (try? JSONDecoder().decode(JoinRequest.self, from: plaintext))
            ?? JoinRequest(card: JSONDecoder().decode(DeviceCard.self, from: plaintext), name: nil)
        guard request.card.id == device else { throw SyncError.malformed("the join request names device \(request.card.id), not \(device)") }
        return request
    }

    /// What the admitting device tells the new one besides the keyring: the heads of every log
    /// it has verified and its checkpoint counter when it admitted it. The new device holds the
    /// transport to them from its first pull (a transport showing it an older state is caught as
    /// withholding, and older checkpoints of the admitting device as stale).
    public struct WelcomeState: Codable, Sendable, Equatable {
        /// Newest verified envelope per log (device id → head).
        public var heads: [String: LogHead]
        /// The admitting device's newest checkpoint counter.
        public var checkpointCounter: UInt64

        /// A state with explicit parts.
        public init(heads: [String: LogHead], checkpointCounter: UInt64) {
            self.heads = heads
            self.checkpointCounter = checkpointCounter
        }
    }

    private struct WelcomeBody: Codable {
        var keyring: Data
        var state: WelcomeState
    }

    /// Marks a welcome that carries a ``WelcomeState`` (older welcomes hold the sealed keyring alone).
    private static let stateMagic = Data("darkroom-welcome-state-v1\n".utf8)

    /// The welcome for `device`: the keyring sealed to it and the admitting device's `state`,
    /// wrapped under the pairing key.
    public func welcome(sealedKeyring: Data, state: WelcomeState? = nil, for device: DeviceID) throws -> (name: ObjectName, bytes: Data) {
        let plaintext = try state.map { Self.stateMagic + (try JSONEncoder().encode(WelcomeBody(keyring: sealedKeyring, state: $0))) } ?? sealedKeyring
        return (SyncObjectName.welcome(pairing: pairingID, device: device).objectName,
                AEAD.seal(plaintext, key: key, associatedData: associatedData("welcome", device)))
    }

    /// Opens the welcome addressed to `identity`: the keyring in it (checking it is this code's
    /// library) and the admitting device's state, when it sent one.
    public func openWelcome(_ bytes: Data, as identity: DeviceIdentity) throws -> (keyring: LibraryKeyring, state: WelcomeState?) {
        let plaintext = try AEAD.open(bytes, key: key, associatedData: associatedData("welcome", identity.id))
        var sealed = plaintext
        var state: WelcomeState?
        if plaintext.starts(with: Self.stateMagic) {
            let body = try JSONDecoder().decode(WelcomeBody.self, from: plaintext.dropFirst(Self.stateMagic.count))
            (sealed, state) = (body.keyring, body.state)
        }
        return (try LibraryKeyring.open(sealed, as: identity, expectedLibrary: library), state)
    }
}
