import DarkroomCrypto
import Foundation

/// A device identity and the library keyring sealed under a recovery key (the key a person
/// keeps as `RecoveryWords`), so a new device can take over when every device is lost.
///
/// Format: a `KeyringFile` of the device-key kind (XChaCha20-Poly1305 under the recovery
/// key, header as associated data) holding JSON `{identity, keyring}`. The recovery key is
/// 256 random bits, so the bundle can be stored in the transport (`recovery/<lookupID>`)
/// without offline guessing being a concern. Seal a new bundle after every membership change
/// (same name: the newest write wins where the transport allows replacing it).
public enum RecoveryBundle {
    private struct Contents: Codable {
        var identity: Data
        var keyring: Data
    }

    /// The transport name's id for the bundle sealed under `recoveryKey`: BLAKE2b-256 keyed by
    /// the recovery key over `"darkroom-recovery-lookup-v1"`, hex. It reveals nothing about the
    /// key, and only someone holding the words can compute it.
    public static func lookupID(recoveryKey: SymmetricKey) throws -> String {
        ContentHash.hex([UInt8](try GenericHash.hash(Data("darkroom-recovery-lookup-v1".utf8), key: recoveryKey)))
    }

    /// Seals `identity` and `keyring` under `recoveryKey`.
    public static func seal(identity: DeviceIdentity, keyring: LibraryKeyring, recoveryKey: SymmetricKey) throws -> Data {
        let contents = Contents(identity: try identity.serialized(), keyring: try keyring.serialized())
        return KeyringFile.seal(try JSONEncoder.sorted.encode(contents), deviceKey: recoveryKey)
    }

    /// Opens a bundle with the recovery key and verifies the keyring as `LibraryKeyring.open` does.
    /// - Throws: `CryptoError.authenticationFailed` for a wrong key or a modified bundle.
    public static func open(_ sealed: Data, recoveryKey: SymmetricKey) throws -> (identity: DeviceIdentity, keyring: LibraryKeyring) {
        let contents: Contents
        do { contents = try JSONDecoder().decode(Contents.self, from: try KeyringFile.open(sealed, deviceKey: recoveryKey)) } catch let e as CryptoError {
            throw e
        } catch {
            throw SyncError.malformed("recovery bundle does not decode")
        }
        let identity = try DeviceIdentity.deserialize(contents.identity)
        return (identity, try LibraryKeyring.deserialize(contents.keyring, as: identity, expectedLibrary: nil))
    }
}
