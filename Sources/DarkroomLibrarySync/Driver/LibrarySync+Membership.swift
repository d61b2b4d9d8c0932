import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

/// Joining completed, newer keyrings and revocation, as a run finds them on the transport.
extension LibrarySync {
    /// Completes a join once the admitting device has written the welcome.
    func completeJoin(code: PairingCode, identity: DeviceIdentity) async throws -> String {
        let spec = try await transportSpec()
        let transport = try spec.open(library: code.library, identity: identity)
        let bytes: Data
        do {
            bytes = try await transport.get(SyncObjectName.welcome(pairing: code.pairingID, device: identity.id).objectName)
        } catch TransportError.notFound(_) {
            throw try await stillWaiting()
        } catch TransportError.unauthorized(_) {
            throw try await stillWaiting()   // a relay refuses a device not admitted yet
        }
        let (keyring, welcomeState) = try code.openWelcome(bytes, as: identity)
        guard let admitter = keyring.lastSigner else { throw SyncError.membership("the welcome's membership has no signer") }
        let name = try await database.readSync { db in String(decoding: try db.meta(Meta.deviceName) ?? Data(), as: UTF8.self) }
        // What the admitting device had verified: the transport must show this device at least that.
        var verifier = LogVerifierState()
        if let welcomeState {
            var claims: [DeviceID: LogHead] = [:]
            for (device, head) in welcomeState.heads { if let id = DeviceID(rawValue: device) { claims[id] = head } }
            verifier.latestClaims[admitter.id] = claims
            verifier.checkpointCounters[admitter.id] = welcomeState.checkpointCounter
        }
        let initialVerifier = try JSONEncoder().encode(verifier)
        try await database.writeSync { db in
            try Self.activate(keyring: keyring, identity: identity, deviceName: name, db)
            try db.setMeta(Meta.verifier, initialVerifier)
            try db.setMeta(Meta.join, nil)
            try db.setMeta(Meta.joinedAt, nil)
            try db.setMeta(Meta.deviceName, nil)
        }
        return PairingFingerprint.digits(admitter, identity.card)
    }

    /// Waiting for admission, or past the time the code stays open on the admitting device.
    func stillWaiting() async throws -> SyncFailure {
        let asked = try await database.readSync { db in
            try db.meta(Meta.joinedAt).flatMap { TimestampFormat.parseDatabase(String(decoding: $0, as: UTF8.self)) }
        }
        if let asked, Date().timeIntervalSince(asked) > Self.pairingLifetime {
            return .pairingExpired(hours: Int(Self.pairingLifetime / 3600))
        }
        return .waitingForAdmission
    }

    /// The newest keyring sealed to this device among `names`, verified to extend the current one.
    func newerKeyring(in names: [ObjectName], current: LibraryKeyring, identity: DeviceIdentity,
                              transport: any SyncTransport) async throws -> LibraryKeyring? {
        let versions = names.compactMap { name -> UInt64? in
            guard case .keyring(let v, let d) = SyncObjectName(name), d == identity.id, v > current.membership.version else { return nil }
            return v
        }
        guard let newest = versions.max() else { return nil }
        let sealed = try await transport.get(SyncObjectName.keyring(version: newest, device: identity.id).objectName)
        return try current.updated(with: try LibraryKeyring.open(sealed, as: identity, expectedLibrary: current.library))
    }

    /// The membership versions after `keyring`'s that the transport serves, asked for by name.
    func membershipNamesAfter(_ keyring: LibraryKeyring, transport: any SyncTransport) async throws -> [ObjectName] {
        var names: [ObjectName] = []
        var version = keyring.membership.version + 1
        while names.count < 1000, try await transport.contains(SyncObjectName.membership(version: version).objectName) {
            names.append(SyncObjectName.membership(version: version).objectName)
            version += 1
        }
        return names
    }

    /// Remembers that a verified membership version revoked this device: `device list` says so,
    /// and later runs stop at once.
    func recordRevocation() async throws {
        try await database.writeSync { db in try db.setMeta(Meta.revoked, Data("1".utf8)) }
    }

    /// Whether a newer membership version, verified against this device's chain, revokes it.
    func isRevoked(identity: DeviceIdentity, keyring: LibraryKeyring, transport: any SyncTransport, names: [ObjectName]) async throws -> Bool {
        var previous = keyring.chain.last
        var version = keyring.membership.version
        while names.contains(SyncObjectName.membership(version: version + 1).objectName) {
            let signed = try JSONDecoder().decode(SignedMembership.self, from: try await transport.get(SyncObjectName.membership(version: version + 1).objectName))
            let list = try signed.verify(following: previous)
            if list.member(identity.id)?.isActive == false { return true }
            previous = signed
            version += 1
        }
        return false
    }
}
