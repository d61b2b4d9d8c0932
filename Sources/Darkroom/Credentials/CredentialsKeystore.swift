import DarkroomCredentials
import DarkroomCrypto
import DarkroomStore
import Foundation

/// Where a library keeps the keys it signs Content Credentials with, and how they are protected.
///
/// ```
/// LIBRARY/credentials/authority.pem     the library's credentials authority (certificate only)
/// LIBRARY/credentials/device.pem        this device's signing certificate, then the authority's
/// LIBRARY/credentials/keys.sealed       both private keys, sealed (XChaCha20-Poly1305, `KeyringFile`)
/// KEYDIR/LIBRARYID.credentials.key      the random key that seals them (0600, outside the library)
/// ```
/// A copy of the library folder alone (a backup, a synced folder) cannot sign: the sealing key stays
/// in the key directory, as the sync keys' does. These keys are not the sync signing key, nor derived
/// from it. When the sealing key is gone (the library was moved to another account), a new authority
/// and device certificate are made and the old files are kept beside them with a `.replaced` suffix.
struct CredentialsKeystore {
    /// The library folder.
    let folder: URL
    /// The library's id (names the sealing key's file).
    let libraryID: String
    /// The device's id (names the device certificate).
    let deviceID: String
    /// The folder holding the sealing key.
    let keyDirectory: URL

    var directory: URL { folder.appendingPathComponent("credentials") }
    var authorityURL: URL { directory.appendingPathComponent("authority.pem") }
    var deviceURL: URL { directory.appendingPathComponent("device.pem") }
    var sealedURL: URL { directory.appendingPathComponent("keys.sealed") }
    var sealingKeyURL: URL { keyDirectory.appendingPathComponent("\(libraryID).credentials.key") }

    /// The sealed private keys, as JSON inside the sealed file.
    private struct SealedKeys: Codable {
        var authority: Data
        var device: Data
    }

    /// The device's signing identity (`[device, authority]` chain), made on first use.
    func deviceIdentity() throws -> SigningIdentity {
        if let identity = try? load() { return identity }
        // Another process may be making them: one maker at a time, and a second look once it is done.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("locks"), withIntermediateDirectories: true)
        let lock = FileLock(path: folder.appendingPathComponent("locks/credentials.lock").path)
        try lock.lock(exclusive: true, wait: true)
        defer { lock.unlock() }
        if let identity = try? load() { return identity }
        return try create()
    }

    /// The library's authority certificate (the trust anchor for pictures signed here), if made.
    func authorityPEM() -> String? { try? String(contentsOf: authorityURL, encoding: .utf8) }

    private func load() throws -> SigningIdentity {
        let sealingKey = try DeviceKeyFile.load(from: sealingKeyURL)
        let keys = try JSONDecoder().decode(SealedKeys.self, from: try KeyringFile.open(try Data(contentsOf: sealedURL), deviceKey: sealingKey))
        let chainPEM = try String(contentsOf: deviceURL, encoding: .utf8)
        let device = try SigningKey(algorithm: .es256, rawRepresentation: keys.device)
        return try SigningIdentity(certificatesPEM: chainPEM, key: device)
    }

    /// Makes a new authority and device identity, seals the keys and writes the files (each atomically;
    /// the sealed keys last, so a crash leaves either the old set or a complete new one).
    private func create() throws -> SigningIdentity {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for url in [authorityURL, deviceURL, sealedURL, sealingKeyURL] where fileManager.fileExists(atPath: url.path) {
            let kept = url.appendingPathExtension("replaced")
            try? fileManager.removeItem(at: kept)
            try fileManager.moveItem(at: url, to: kept)
        }
        let library = String(libraryID.prefix(8)), device = String(deviceID.prefix(8))
        let authority = try CredentialsAuthority.makeAuthority(commonName: "Darkroom library \(library) credentials authority",
                                                               organization: "Darkroom library \(library)")
        let identity = try CredentialsAuthority.issueDevice(by: authority, commonName: "Darkroom device \(device)",
                                                            organization: "Darkroom library \(library)")
        let sealingKey = try DeviceKeyFile.create(at: sealingKeyURL)
        let sealed = KeyringFile.seal(try JSONEncoder().encode(SealedKeys(authority: authority.key.rawRepresentation,
                                                                           device: identity.key.rawRepresentation)),
                                      deviceKey: sealingKey)
        try Data(try authority.chainPEM().utf8).write(to: authorityURL, options: .atomic)
        try Data(try identity.chainPEM().utf8).write(to: deviceURL, options: .atomic)
        try sealed.write(to: sealedURL, options: .atomic)
        return identity
    }
}
