import DarkroomStore
import DarkroomSync
import Foundation

extension LibrarySync {
    /// Where a device keeps the credentials authorities of the library's other active devices (local, not synced).
    static let trustedAuthoritiesMeta = "credentials-trusted"

    /// The credentials authorities (PEM) of the library's other active devices, as the last run recorded them.
    package static func trustedAuthorities(in database: LibraryDatabase) async throws -> [String] {
        guard let shared = try await database.readSync({ db in try db.meta(trustedAuthoritiesMeta) }) else { return [] }
        return try JSONDecoder().decode([String].self, from: shared)
    }

    /// Publishes this device's Content Credentials authority (a synced device field) and records the authorities the
    /// library's other **active** members published as signers this device trusts, so pictures a user's own devices
    /// sign read as `valid` here. A revoked device's authority is dropped at the next run. When the trusted set changes,
    /// the stored verdicts of signed pictures are checked again.
    func shareCredentialsAuthorities(keyring: LibraryKeyring, identity: DeviceIdentity) async throws {
        let own = library.credentialsAuthorityPEM()
        let me = identity.id.rawValue
        let active = Set(keyring.membership.members.filter(\.isActive).map(\.card.id.rawValue))
        let changed = try await database.writeSync { db -> Bool in
            if let own { try db.publishCredentialsAuthority(own, device: me) }
            let trusted = try db.credentialsAuthorities().filter { active.contains($0.key) && $0.key != me }
                .map(\.value).sorted()
            let encoded = try JSONEncoder().encode(trusted)
            guard try db.meta(Self.trustedAuthoritiesMeta) != encoded else { return false }
            try db.setMeta(Self.trustedAuthoritiesMeta, encoded)
            return true
        }
        if changed { try await library.recheckStoredCredentials() }
    }
}
