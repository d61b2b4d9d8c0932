import DarkroomCrypto
import Foundation

/// What other devices know about a device: its id, a name for people, and its two public keys.
public struct DeviceCard: Sendable, Hashable, Codable {
    /// The device's id.
    public var id: DeviceID
    /// A name shown in device lists ("Ana's phone").
    public var name: String
    /// Verifies the device's envelopes, checkpoints and membership changes.
    public var signingKey: SigningPublicKey
    /// Receives keyrings sealed to the device.
    public var boxKey: BoxPublicKey

    /// A card with explicit parts.
    public init(id: DeviceID, name: String, signingKey: SigningPublicKey, boxKey: BoxPublicKey) {
        self.id = id
        self.name = name
        self.signingKey = signingKey
        self.boxKey = boxKey
    }
}

/// A device's own identity: its id and its private signing (Ed25519) and box (X25519) keys.
/// The private keys never leave the device; at rest they are sealed with `KeyringFile`.
public struct DeviceIdentity: Sendable {
    /// The device's id.
    public let id: DeviceID
    /// The device's name for people.
    public var name: String
    /// Signs envelopes, checkpoints and membership changes.
    public let signing: SigningKeyPair
    /// Opens keyrings sealed to this device.
    public let box: BoxKeyPair

    /// A new device with random keys.
    public init(name: String, id: DeviceID = .random()) {
        self.id = id
        self.name = name
        self.signing = SigningKeyPair()
        self.box = BoxKeyPair()
    }

    /// The public card to hand to other devices.
    public var card: DeviceCard { DeviceCard(id: id, name: name, signingKey: signing.publicKey, boxKey: box.publicKey) }

    private struct Stored: Codable {
        var id: DeviceID
        var name: String
        var signingSeed: Data
        var boxSecret: Data
    }

    /// The identity sealed for storage in the library folder, under a device-local key.
    public func sealed(deviceKey: SymmetricKey) throws -> Data {
        KeyringFile.seal(try serialized(), deviceKey: deviceKey)
    }

    /// The identity sealed for storage under a passphrase (Argon2id with `limits`).
    public func sealed(passphrase: String, limits: PassphraseKeyDerivation.Limits = .standard) throws -> Data {
        try KeyringFile.seal(try serialized(), passphrase: passphrase, limits: limits)
    }

    /// Opens an identity sealed with a device-local key.
    public static func open(_ sealed: Data, deviceKey: SymmetricKey) throws -> DeviceIdentity {
        try deserialize(try KeyringFile.open(sealed, deviceKey: deviceKey))
    }

    /// Opens an identity sealed with a passphrase.
    public static func open(_ sealed: Data, passphrase: String) throws -> DeviceIdentity {
        try deserialize(try KeyringFile.open(sealed, passphrase: passphrase))
    }

    private init(id: DeviceID, name: String, signing: SigningKeyPair, box: BoxKeyPair) {
        self.id = id
        self.name = name
        self.signing = signing
        self.box = box
    }

    /// The identity as JSON, private keys included: only ever sealed, never stored in clear.
    func serialized() throws -> Data {
        try JSONEncoder.sorted.encode(Stored(id: id, name: name, signingSeed: signing.exportedSeed(), boxSecret: box.exportedSecretKey()))
    }

    /// Decodes `serialized()` output.
    static func deserialize(_ data: Data) throws -> DeviceIdentity {
        let s = try JSONDecoder().decode(Stored.self, from: data)
        return DeviceIdentity(id: s.id, name: s.name, signing: try SigningKeyPair(seed: s.signingSeed), box: try BoxKeyPair(secretKey: s.boxSecret))
    }
}
