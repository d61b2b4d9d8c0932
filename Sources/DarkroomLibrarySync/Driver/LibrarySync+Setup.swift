import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

/// Setting sync up on a device: the first device, pairing, joining, leaving, recovery; and the
/// library's devices (names, revocation, membership changes this device signs).
extension LibrarySync {
    // MARK: - Set-up

    /// What `sync init` returns.
    public struct Setup: Sendable {
        /// The sync library id.
        public var library: String
        /// This device's id.
        public var device: String
        /// The recovery words (shown once; never stored).
        public var recoveryWords: [String]
    }

    /// Sets sync up on the first device: a new keyring with this device as its only member,
    /// the membership published to the transport, a recovery bundle sealed under a new
    /// recovery key, and the whole library queued for the first push.
    public func initialize(transport spec: TransportSpec, deviceName: String) async throws -> Setup {
        try await ensureNotConfigured()
        let identity = DeviceIdentity(name: "")
        let deviceKey = try createDeviceKey()
        let keyring = try LibraryKeyring.create(founder: identity)
        let recoveryKey = SymmetricKey()
        let transport = try spec.open(library: keyring.library, identity: identity)
        try await put(try keyring.chain[0].objectBytes(), SyncObjectName.membership(version: 1).objectName, transport)
        try await put(try RecoveryBundle.seal(identity: identity, keyring: keyring, recoveryKey: recoveryKey),
                      SyncObjectName.recovery(try RecoveryBundle.lookupID(recoveryKey: recoveryKey)).objectName, transport)
        try await database.writeSync { db in
            try db.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey))
            try db.setMeta(Meta.transport, Data(spec.description.utf8))
            try Self.activate(keyring: keyring, identity: identity, deviceName: deviceName, db)
        }
        return Setup(library: keyring.library.rawValue, device: identity.id.rawValue, recoveryWords: RecoveryWords.encode(recoveryKey))
    }

    /// Issues a one-time pairing code for a new device (`sync pair`). The code is kept, sealed,
    /// until a device joins with it.
    ///
    /// A code stays open for ``pairingLifetime``, and a new code closes the ones issued before it,
    /// so a join abandoned with `sync leave` (or a code seen by someone else) is never admitted later.
    public func pair() async throws -> PairingCode {
        let (_, keyring) = try await loadMember()
        let code = PairingCode(library: keyring.library)
        let sealed = KeyringFile.seal(Data(code.description.utf8), deviceKey: try loadDeviceKey())
        try await database.writeSync { db in
            for key in try db.metaKeys(prefix: Meta.pairingPrefix) {
                try Self.closePairing(String(key.dropFirst(Meta.pairingPrefix.count)), db)
            }
            try db.setMeta(Meta.pairingPrefix + code.pairingID, sealed)
            try db.setMeta(Meta.pairingIssuedPrefix + code.pairingID, Data(TimestampFormat.database(Date()).utf8))
        }
        return code
    }

    /// How long a pairing code stays open.
    public static let pairingLifetime: TimeInterval = 24 * 3600

    /// Asks to join the library of `code` (`sync join`): a new device identity, and its card
    /// sealed under the code in the transport. The next ``run()`` after the other device's
    /// run completes the join.
    public func join(code: PairingCode, transport spec: TransportSpec, deviceName: String) async throws -> String {
        try await ensureNotConfigured()
        let identity = DeviceIdentity(name: "")
        let deviceKey = try createDeviceKey()
        let transport = try spec.open(library: code.library, identity: identity)
        try await refuseOtherLibrary(code: code, transport: transport)
        let request = try code.joinRequest(for: identity.card, name: deviceName)
        do { try await transport.put(request.bytes, name: request.name) } catch TransportError.notFound {
            throw SyncFailure.transport("the relay holds no library \(code.library.rawValue.prefix(12)): the code belongs to another relay, or sync was never set up there")
        } catch let error as TransportError {
            throw SyncFailure.transport(error.description)
        }
        try await database.writeSync { db in
            try db.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey))
            try db.setMeta(Meta.transport, Data(spec.description.utf8))
            try db.setMeta(Meta.join, KeyringFile.seal(Data(code.description.utf8), deviceKey: deviceKey))
            try db.setMeta(Meta.joinedAt, Data(TimestampFormat.database(Date()).utf8))
            try db.setMeta(Meta.deviceName, Data(deviceName.utf8))
        }
        return identity.id.rawValue
    }

    /// Refuses a join whose code names another library than the one the transport holds (a
    /// shared folder of another library, say), before anything is written. A transport that
    /// shows non-members nothing (a relay) is left to refuse on its own.
    func refuseOtherLibrary(code: PairingCode, transport: any SyncTransport) async throws {
        let founding: Data
        do { founding = try await transport.get(SyncObjectName.membership(version: 1).objectName) } catch TransportError.notFound {
            throw SyncFailure.transport("this transport holds no sync library yet: the code belongs to another transport, or sync was never set up there")
        } catch TransportError.unauthorized {
            return
        }
        guard let signed = try? JSONDecoder().decode(SignedMembership.self, from: founding),
              let list = try? signed.verify(following: nil) else { return }
        guard list.library == code.library else {
            throw SyncFailure.transport("this transport holds library \(list.library.rawValue.prefix(12)), but the code is for library \(code.library.rawValue.prefix(12)): use the transport of the device that printed the code")
        }
    }

    /// Removes sync from this device (`sync leave`): a pending join is given up, or a device that
    /// synced stops syncing. The gallery stays as it is; the sync keys of this device are forgotten
    /// (its key file removed), so joining again later, with a new code, starts afresh. The other
    /// devices still list it until one of them revokes it. Returns whether anything was set up.
    @discardableResult
    public func leave() async throws -> Bool {
        let lock = FileLock(path: library.folder.appendingPathComponent("locks/sync.lock").path)
        guard (try? lock.lock(exclusive: true, wait: false)) == true else { throw SyncFailure.busy }
        defer { lock.unlock() }
        let configured = try await database.readSync { db in try db.meta(Meta.identity) != nil }
        guard configured else { return false }
        try await database.writeSync { db in try db.forget() }
        unlockedKey.withLock { $0 = nil }
        try? FileManager.default.removeItem(at: deviceKeyURL)
        return true
    }

    /// Sets this library up as a device recovered from the recovery words: it takes over the
    /// identity sealed in the recovery bundle (use it only when that device is lost; revoke
    /// it otherwise) and catches up on the next ``run()``.
    ///
    /// A relay keeps each library's objects under its id: pass `libraryID` (printed by
    /// `sync init` and `sync status`) to recover through one; a folder holds one library.
    public func recover(words: String, transport spec: TransportSpec, libraryID: String? = nil) async throws -> String {
        try await ensureNotConfigured()
        let recoveryKey = try RecoveryWords.decode(words)
        let placeholder = DeviceIdentity(name: "")
        let lookup = try RecoveryBundle.lookupID(recoveryKey: recoveryKey)
        // The recovery object is readable by exact name without membership; any reader works.
        let library: LibraryID
        if let libraryID {
            guard let id = LibraryID(rawValue: libraryID.lowercased()) else { throw SyncFailure.invalidLibraryID(libraryID) }
            library = id
        } else {
            library = LibraryID.random()
        }
        let transport = try spec.open(library: library, identity: placeholder)
        let bundle: Data
        do { bundle = try await transport.get(SyncObjectName.recovery(lookup).objectName) } catch { throw SyncFailure.recoveryNotFound }
        let (identity, keyring) = try RecoveryBundle.open(bundle, recoveryKey: recoveryKey)
        let deviceKey = try createDeviceKey()
        try await database.writeSync { db in
            try db.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey))
            try db.setMeta(Meta.transport, Data(spec.description.utf8))
            try Self.activate(keyring: keyring, identity: identity, deviceName: "", db)
            // Its own log is read back from the transport before it writes again.
            try db.setMeta(Meta.writer, nil)
        }
        return identity.id.rawValue
    }

    static func activate(keyring: LibraryKeyring, identity: DeviceIdentity, deviceName: String, _ db: SyncRecords) throws {
        try db.setMeta(Meta.keyring, try keyring.sealed(for: identity.card))
        try db.setMeta(Meta.writer, try JSONEncoder().encode(LogWriter(library: keyring.library, device: identity.id)))
        try db.setMeta(Meta.verifier, try JSONEncoder().encode(LogVerifierState()))
        try db.enable(device: identity.id.rawValue)
        if !deviceName.isEmpty {
            try db.setDeviceName(deviceName, of: identity.id.rawValue)
        }
    }

    // MARK: - Devices

    /// The library's devices, by membership, with their synced names.
    public func devices() async throws -> [DeviceSummary] {
        let (identity, keyring) = try await loadMember()
        let (names, revoked) = try await database.readSync { db in
            (try db.deviceNames(),
             try db.meta(Meta.revoked) != nil)
        }
        return keyring.membership.members.map { member in
            let isThisDevice = member.card.id == identity.id
            return DeviceSummary(id: member.card.id.rawValue, name: names[member.card.id.rawValue] ?? "",
                                 active: member.isActive && !(isThisDevice && revoked), isThisDevice: isThisDevice)
        }
    }

    /// Renames a device (any member; the name syncs as an encrypted record).
    public func rename(device: String, to name: String) async throws {
        try await nameDevice(try await resolveDevice(device), name)
    }

    /// Records `name` for `target` (a synced record).
    func nameDevice(_ target: DeviceID, _ name: String) async throws {
        let trimmed = String(name.trimmingCharacters(in: .whitespaces).prefix(200))
        guard !trimmed.isEmpty else { throw SyncFailure.emptyDeviceName }
        try await database.writeSync { db in try db.setDeviceName(trimmed, of: target.rawValue) }
    }

    /// Revokes a device: a signed membership change with a new epoch key sealed to the
    /// remaining devices only. The revoked device keeps what it had but reads nothing
    /// written afterwards, and what it writes afterwards is rejected.
    public func revoke(device: String) async throws {
        let target = try await resolveDevice(device)
        let (identity, keyring) = try await loadMember()
        guard target != identity.id else { throw SyncFailure.cannotRevokeThisDevice }
        guard keyring.membership.member(target)?.isActive == true else { throw SyncFailure.alreadyRevoked(device: target.rawValue) }
        let state = try await loadVerifierState()
        let updated = try keyring.revoking(target, lastAcceptedSequence: state.head(of: target).sequence, by: identity)
        try await adopt(updated, identity: identity, transport: try await openTransport(keyring: keyring, identity: identity))
    }

    /// Makes a membership change this device signed take effect: saved first (with a note that
    /// it is not published yet), then published; a run that finds the note publishes again, so a
    /// crash in between never loses the change or strands the other devices.
    func adopt(_ keyring: LibraryKeyring, identity: DeviceIdentity, transport: any SyncTransport) async throws {
        let sealed = try keyring.sealed(for: identity.card)
        try await database.writeSync { db in
            try db.setMeta(Meta.keyring, sealed)
            try db.setMeta(Meta.unpublished, Data("\(keyring.membership.version)".utf8))
        }
        try await publish(keyring, identity: identity, transport: transport)
    }

    func resolveDevice(_ prefix: String) async throws -> DeviceID {
        let (_, keyring) = try await loadMember()
        let needle = prefix.lowercased()
        let names = try await database.readSync { db in try db.deviceNames().map { ($0.key, $0.value) } }
        let matches = keyring.membership.members.map(\.card.id).filter { id in
            id.rawValue.hasPrefix(needle) || names.contains { $0.0 == id.rawValue && $0.1.lowercased() == needle }
        }
        guard matches.count == 1 else {
            throw matches.isEmpty ? SyncFailure.unknownDevice(prefix) : SyncFailure.ambiguousDevice(prefix, matches: matches.count)
        }
        return matches[0]
    }

    /// Writes a new membership version, the keyring sealed to each other active member and
    /// (for admissions) the welcome.
    func publish(_ keyring: LibraryKeyring, identity: DeviceIdentity, transport: any SyncTransport) async throws {
        let version = keyring.membership.version
        try await put(try keyring.chain.last!.objectBytes(), SyncObjectName.membership(version: version).objectName, transport)
        for (device, sealed) in try keyring.sealedForActiveMembers(except: identity.id).sorted(by: { $0.key < $1.key }) {
            // A sealed box differs each time: after a crash, the copy already there stands.
            try await put(sealed, SyncObjectName.keyring(version: version, device: device).objectName, transport, keepExisting: true)
        }
        try await database.writeSync { db in try db.setMeta(Meta.unpublished, nil) }
    }
}
