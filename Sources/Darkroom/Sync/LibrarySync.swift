import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation
import GRDB

/// End-to-end encrypted sync of one library with the user's other devices.
///
/// The store logs every change in the transaction that makes it (`SyncChangeLog`); a run
/// (``run()``) sends the pending changes as signed, encrypted envelopes of this device's log
/// (pictures first, as secretstream blobs), then pulls, verifies (`LogVerifier`) and applies
/// (`SyncChangeApplier`) the other logs, admits devices that joined with a pairing code, and
/// writes a signed checkpoint. See docs/sync.md.
///
/// Keys at rest: the device identity is sealed under a random device key kept in a file
/// outside the library folder (``keyDirectory``); the keyring is sealed to the device's own
/// box key. Both sealed blobs live in the library database (`sync_meta`).
public final class LibrarySync: Sendable {
    /// The library synced.
    public let library: Library
    /// Where the device key file lives (outside the library folder).
    public let keyDirectory: URL
    /// Changes per envelope.
    public static let changesPerEnvelope = 4000
    /// The most payload (before sealing) one envelope carries. The relay refuses objects over
    /// 4 MiB by default (`relay serve --max-object-bytes`); sealing adds a few dozen bytes. A single
    /// change over it is reported and skipped (``SyncRunReport/skippedOversized``), never sent.
    public static let envelopePayloadBudget = 2 << 20
    /// Room kept per new generation for the blob reference added to it after its upload.
    static let blobReferenceAllowance = 512
    /// Received changes applied per transaction, at most (whole envelopes; one larger envelope
    /// gets a transaction of its own).
    static let changesPerApplyTransaction = 25_000
    /// This instance's limit of received changes per apply transaction: `changesPerApplyTransaction`
    /// unless a test sets a small one (several transactions from a few envelopes).
    let applyTransactionLimit: Int
    /// The page cache (MiB) while applying received envelopes: enough for what a transaction of
    /// `changesPerApplyTransaction` generations dirties, so nothing spills before the commit.
    static let applyCacheMebibytes = 64

    enum Meta {
        static let identity = "identity", keyring = "keyring", transport = "transport", writer = "writer"
        static let verifier = "verifier", join = "join", checkpointCounter = "checkpoint-counter"
        static let lastRun = "last-run", deviceName = "device-name", passphraseProtectedKey = "device-key"
        static let unpublished = "membership-unpublished", revoked = "revoked"
        static let outboxPrefix = "outbox/", pairingPrefix = "pairing/", uploadedPrefix = "uploaded/"
        static let pairingIssuedPrefix = "pairing-issued/", joinedAt = "join-asked-at"
        static let picturePrefix = SyncChangeLog.pendingPicturePrefix
    }

    /// Wraps the transport this sync opens (fault injection in tests, instrumentation).
    public typealias TransportInterposer = @Sendable (any SyncTransport) -> any SyncTransport
    private let interposer: TransportInterposer?
    private let passphrase: String?
    private let unlockedKey = UnlockedKey()

    /// The device key once unsealed (Synchronization's Mutex needs newer Apple OS versions than the package's).
    private final class UnlockedKey: @unchecked Sendable {
        private let lock = NSLock()
        private var key: SymmetricKey?
        func withLock<T>(_ body: (inout SymmetricKey?) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&key) }
    }

    /// Sync for `library`.
    ///
    /// The device key that seals this device's sync keys at rest lives in a file (mode 0600) in
    /// `keyDirectory` (default: ``defaultKeyDirectory()``), or, when sync was set up with a
    /// `passphrase`, sealed under it in the library (Argon2id, `PassphraseKeyDerivation.Limits.standard`);
    /// such a library needs the same passphrase on every call. `interposer`, when given, wraps
    /// every transport opened (tests use it to inject faults).
    public convenience init(library: Library, keyDirectory: URL? = nil, passphrase: String? = nil, interposer: TransportInterposer? = nil) {
        self.init(library: library, keyDirectory: keyDirectory, passphrase: passphrase, interposer: interposer,
                  applyTransactionLimit: Self.changesPerApplyTransaction)
    }

    /// Sync for `library` applying at most `applyTransactionLimit` received changes per
    /// transaction (whole envelopes); the public initializer uses `changesPerApplyTransaction`.
    init(library: Library, keyDirectory: URL? = nil, passphrase: String? = nil, interposer: TransportInterposer? = nil,
         applyTransactionLimit: Int) {
        self.library = library
        self.keyDirectory = keyDirectory ?? Self.defaultKeyDirectory()
        self.passphrase = passphrase
        self.interposer = interposer
        self.applyTransactionLimit = applyTransactionLimit
    }

    /// `$DARKROOM_KEY_DIR`, else `$XDG_DATA_HOME/darkroom/keys`, else `~/.local/share/darkroom/keys`.
    public static func defaultKeyDirectory() -> URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["DARKROOM_KEY_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("darkroom/keys") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/darkroom/keys")
    }

    var database: LibraryDatabase { library.database }

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
        try await database.write { db in
            try SyncChangeLog.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey), db)
            try SyncChangeLog.setMeta(Meta.transport, Data(spec.description.utf8), db)
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
        try await database.write { db in
            for key in try SyncChangeLog.metaKeys(prefix: Meta.pairingPrefix, db) + SyncChangeLog.metaKeys(prefix: Meta.pairingIssuedPrefix, db) {
                try SyncChangeLog.setMeta(key, nil, db)
            }
            try SyncChangeLog.setMeta(Meta.pairingPrefix + code.pairingID, sealed, db)
            try SyncChangeLog.setMeta(Meta.pairingIssuedPrefix + code.pairingID, Data(TimestampFormat.database(Date()).utf8), db)
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
        try await database.write { db in
            try SyncChangeLog.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey), db)
            try SyncChangeLog.setMeta(Meta.transport, Data(spec.description.utf8), db)
            try SyncChangeLog.setMeta(Meta.join, KeyringFile.seal(Data(code.description.utf8), deviceKey: deviceKey), db)
            try SyncChangeLog.setMeta(Meta.joinedAt, Data(TimestampFormat.database(Date()).utf8), db)
            try SyncChangeLog.setMeta(Meta.deviceName, Data(deviceName.utf8), db)
        }
        return identity.id.rawValue
    }

    /// Refuses a join whose code names another library than the one the transport holds (a
    /// shared folder of another library, say), before anything is written. A transport that
    /// shows non-members nothing (a relay) is left to refuse on its own.
    private func refuseOtherLibrary(code: PairingCode, transport: any SyncTransport) async throws {
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
        let configured = try await database.read { db in try SyncChangeLog.meta(Meta.identity, db) != nil }
        guard configured else { return false }
        try await database.write { db in try SyncChangeLog.forget(db) }
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
            guard let id = LibraryID(rawValue: libraryID.lowercased()) else { throw LibraryError.invalidArgument("'\(libraryID)' is not a sync library id (32 hex digits).") }
            library = id
        } else {
            library = LibraryID.random()
        }
        let transport = try spec.open(library: library, identity: placeholder)
        let bundle: Data
        do { bundle = try await transport.get(SyncObjectName.recovery(lookup).objectName) } catch { throw SyncFailure.recoveryNotFound }
        let (identity, keyring) = try RecoveryBundle.open(bundle, recoveryKey: recoveryKey)
        let deviceKey = try createDeviceKey()
        try await database.write { db in
            try SyncChangeLog.setMeta(Meta.identity, try identity.sealed(deviceKey: deviceKey), db)
            try SyncChangeLog.setMeta(Meta.transport, Data(spec.description.utf8), db)
            try Self.activate(keyring: keyring, identity: identity, deviceName: "", db)
            // Its own log is read back from the transport before it writes again.
            try SyncChangeLog.setMeta(Meta.writer, nil, db)
        }
        return identity.id.rawValue
    }

    private static func activate(keyring: LibraryKeyring, identity: DeviceIdentity, deviceName: String, _ db: Database) throws {
        try SyncChangeLog.setMeta(Meta.keyring, try keyring.sealed(for: identity.card), db)
        try SyncChangeLog.setMeta(Meta.writer, try JSONEncoder().encode(LogWriter(library: keyring.library, device: identity.id)), db)
        try SyncChangeLog.setMeta(Meta.verifier, try JSONEncoder().encode(LogVerifierState()), db)
        try SyncChangeLog.enable(device: identity.id.rawValue, db)
        if !deviceName.isEmpty {
            let now = TimestampFormat.database(Date())
            try db.execute(sql: """
                INSERT INTO device (id, name, created_at, modified_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, modified_at = excluded.modified_at
                """, arguments: [identity.id.rawValue, deviceName, now, now])
        }
    }

    // MARK: - Devices

    /// The library's devices, by membership, with their synced names.
    public func devices() async throws -> [DeviceSummary] {
        let (identity, keyring) = try await loadMember()
        let (names, revoked) = try await database.read { db in
            (try Dictionary(Row.fetchAll(db, sql: "SELECT id, name FROM device").map { ($0["id"] as String, $0["name"] as String) }) { $1 },
             try SyncChangeLog.meta(Meta.revoked, db) != nil)
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
    private func nameDevice(_ target: DeviceID, _ name: String) async throws {
        let trimmed = String(name.trimmingCharacters(in: .whitespaces).prefix(200))
        guard !trimmed.isEmpty else { throw LibraryError.invalidArgument("A device name cannot be empty.") }
        try await database.write { db in
            let now = TimestampFormat.database(Date())
            try db.execute(sql: """
                INSERT INTO device (id, name, created_at, modified_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, modified_at = excluded.modified_at
                """, arguments: [target.rawValue, trimmed, now, now])
        }
    }

    /// Revokes a device: a signed membership change with a new epoch key sealed to the
    /// remaining devices only. The revoked device keeps what it had but reads nothing
    /// written afterwards, and what it writes afterwards is rejected.
    public func revoke(device: String) async throws {
        let target = try await resolveDevice(device)
        let (identity, keyring) = try await loadMember()
        guard target != identity.id else { throw LibraryError.invalidArgument("A device cannot revoke itself; revoke it from another device.") }
        guard keyring.membership.member(target)?.isActive == true else { throw LibraryError.invalidArgument("Device \(target) is already revoked.") }
        let state = try await loadVerifierState()
        let updated = try keyring.revoking(target, lastAcceptedSequence: state.head(of: target).sequence, by: identity)
        try await adopt(updated, identity: identity, transport: try await openTransport(keyring: keyring, identity: identity))
    }

    /// Makes a membership change this device signed take effect: saved first (with a note that
    /// it is not published yet), then published; a run that finds the note publishes again, so a
    /// crash in between never loses the change or strands the other devices.
    private func adopt(_ keyring: LibraryKeyring, identity: DeviceIdentity, transport: any SyncTransport) async throws {
        let sealed = try keyring.sealed(for: identity.card)
        try await database.write { db in
            try SyncChangeLog.setMeta(Meta.keyring, sealed, db)
            try SyncChangeLog.setMeta(Meta.unpublished, Data("\(keyring.membership.version)".utf8), db)
        }
        try await publish(keyring, identity: identity, transport: transport)
    }

    private func resolveDevice(_ prefix: String) async throws -> DeviceID {
        let (_, keyring) = try await loadMember()
        let needle = prefix.lowercased()
        let names = try await database.read { db in try Row.fetchAll(db, sql: "SELECT id, name FROM device").map { ($0["id"] as String, $0["name"] as String) } }
        let matches = keyring.membership.members.map(\.card.id).filter { id in
            id.rawValue.hasPrefix(needle) || names.contains { $0.0 == id.rawValue && $0.1.lowercased() == needle }
        }
        guard matches.count == 1 else {
            throw LibraryError.invalidArgument(matches.isEmpty ? "No device matches '\(prefix)'; `darkroom device list` shows them."
                                                              : "'\(prefix)' matches \(matches.count) devices; give more of the id.")
        }
        return matches[0]
    }

    /// Writes a new membership version, the keyring sealed to each other active member and
    /// (for admissions) the welcome.
    private func publish(_ keyring: LibraryKeyring, identity: DeviceIdentity, transport: any SyncTransport) async throws {
        let version = keyring.membership.version
        try await put(try keyring.chain.last!.objectBytes(), SyncObjectName.membership(version: version).objectName, transport)
        for (device, sealed) in try keyring.sealedForActiveMembers(except: identity.id).sorted(by: { $0.key < $1.key }) {
            // A sealed box differs each time: after a crash, the copy already there stands.
            try await put(sealed, SyncObjectName.keyring(version: version, device: device).objectName, transport, keepExisting: true)
        }
        try await database.write { db in try SyncChangeLog.setMeta(Meta.unpublished, nil, db) }
    }

    // MARK: - Status

    /// What `sync status` shows.
    public func status() async throws -> SyncStatus {
        let identity = try await loadIdentity()
        let keyring = try await loadKeyring(identity: identity)
        let state = try await loadVerifierState()
        let (spec, pending, pairings, waiting, lastRun, names) = try await database.read { db in
            (String(decoding: try SyncChangeLog.meta(Meta.transport, db) ?? Data(), as: UTF8.self),
             try SyncChangeLog.pendingCount(db),
             try SyncChangeLog.metaKeys(prefix: Meta.pairingPrefix, db).count,
             try SyncChangeLog.meta(Meta.join, db) != nil,
             try SyncChangeLog.meta(Meta.lastRun, db),
             try Dictionary(Row.fetchAll(db, sql: "SELECT id, name FROM device").map { ($0["id"] as String, $0["name"] as String) }) { $1 })
        }
        let last = lastRun.flatMap { try? JSONDecoder().decode(LastRun.self, from: $0) }
        let joining = try? await joinCode()
        return SyncStatus(
            library: keyring?.library.rawValue ?? joining?.library.rawValue ?? "",
            device: identity.id.rawValue, transport: spec,
            members: keyring?.membership.members.map {
                DeviceSummary(id: $0.card.id.rawValue, name: names[$0.card.id.rawValue] ?? "", active: $0.isActive, isThisDevice: $0.card.id == identity.id)
            } ?? [],
            membershipVersion: keyring?.membership.version ?? 0, epoch: keyring?.currentEpoch ?? 0,
            pendingChanges: pending,
            logHeads: Dictionary(uniqueKeysWithValues: state.verifiedHashes.map { ($0.key.rawValue, UInt64($0.value.count)) }),
            openPairings: pairings, waitingForAdmission: waiting, lastRun: last?.finished, lastProblems: last?.problems ?? [])
    }

    private struct LastRun: Codable {
        var finished: Date
        var problems: [String]
    }

    // MARK: - Run

    /// One sync: completes a pending join, sends pending changes, pulls and applies what
    /// verifies, admits devices that joined, writes a checkpoint. Suspect objects are never
    /// applied; they are listed in the report's `detections`.
    public func run() async throws -> SyncRunReport {
        let lock = FileLock(path: library.folder.appendingPathComponent("locks/sync.lock").path)
        guard (try? lock.lock(exclusive: true, wait: false)) == true else { throw SyncFailure.busy }
        defer { lock.unlock() }
        var report = SyncRunReport()
        let identity = try await loadIdentity()
        if let code = try await joinCode() {
            report.joinedFingerprint = try await completeJoin(code: code, identity: identity)
        }
        guard var keyring = try await loadKeyring(identity: identity) else { throw SyncFailure.notConfigured }
        let transport = try await openTransport(keyring: keyring, identity: identity)

        if try await database.read({ db in try SyncChangeLog.meta(Meta.unpublished, db) }) != nil {
            try await publish(keyring, identity: identity, transport: transport)
        }
        Self.report(SyncProgress(phase: .checking))
        var verifier = LogVerifier(library: keyring.library, state: try await loadVerifierState())
        let pairings = try await openPairings()
        if try await database.read({ db in try SyncChangeLog.meta(Meta.revoked, db) }) != nil { throw SyncFailure.revoked }
        var pulled: DarkroomSync.VerificationReport
        do {
            pulled = try await verifier.pull(from: transport, keyring: keyring, fullRescan: !pairings.isEmpty)
        } catch TransportError.unauthorized(let reason) {
            // A relay refuses a revoked device everything but the signed membership versions:
            // read them by name, and believe the revocation only if they verify.
            let names = try await membershipNamesAfter(keyring, transport: transport)
            if try await isRevoked(identity: identity, keyring: keyring, transport: transport, names: names) {
                try await recordRevocation()
                throw SyncFailure.revoked
            }
            throw TransportError.unauthorized(reason)
        }
        if let newer = try await newerKeyring(in: pulled.otherObjects, current: keyring, identity: identity, transport: transport) {
            keyring = newer
            report.keyringUpdated = true
            try await saveKeyring(keyring, identity: identity)
            // Envelopes of the new epoch failed before the key arrived: pull them again.
            var again = try await verifier.pull(from: transport, keyring: keyring, fullRescan: true)
            again.accepted = pulled.accepted + again.accepted
            // What the first pull judged without the new keyring (unknown epoch or device,
            // heads claimed by envelopes it could not open yet) is judged again by the
            // second, full pull, which fetches every held-back object once more.
            pulled = again
        } else if try await isRevoked(identity: identity, keyring: keyring, transport: transport, names: pulled.otherObjects) {
            try await recordRevocation()
            throw SyncFailure.revoked
        }
        report.detections = pulled.detections
        // Freshness, on every run: the transport must still serve what this device verified
        // and wrote. A rolled-back or selectively hiding transport stops the run here: nothing
        // is applied, nothing is sent on top of the older state, and the next run checks again.
        try await flushOutbox(transport)
        let missing = try await missingHeads(verifier.state, fetched: pulled.accepted, identity: identity, transport: transport)
        if !missing.isEmpty {
            report.detections += missing
            try await recordLastRun(report)
            return report
        }
        try await apply(pulled.accepted, verifier: verifier, transport: transport, into: &report)
        if try await !picturesAreLazy() {
            var unusable: [Detection] = []
            report.downloadedBlobs += try await fetchPendingPictures(nil) { unusable.append($0) }
            let seen = Set(report.detections.map(\.description))
            report.detections += unusable.filter { !seen.contains($0.description) }
        }
        let acknowledged = Self.acknowledgedHeads(try await loadVerifierState(), keyring: keyring, me: identity.id)
        report.collectedTombstones = try await database.write { db in try SyncChangeLog.collectTombstones(acknowledged: acknowledged, db) }

        var writer = try await loadWriter(keyring: keyring, identity: identity, verifier: verifier)
        try await push(writer: &writer, keyring: keyring, identity: identity, transport: transport, into: &report)

        for (pairing, code) in pairings {
            for name in pulled.otherObjects {
                guard case .join(let pid, let device) = SyncObjectName(name), pid == pairing else { continue }
                let card: DeviceCard
                let joinName: String?
                do {
                    let request = try code.openJoinRequest(try await transport.get(name), device: device)
                    (card, joinName) = (request.card, request.name)
                } catch {
                    report.detections.append(.unreadable(name, reason: "join request does not open with the pairing code: \(error)"))
                    continue
                }
                if let member = keyring.membership.member(device) {
                    // Admitted by a run that stopped before the welcome was written.
                    guard member.isActive, member.card == card else { continue }
                } else {
                    keyring = try keyring.admitting(card, by: identity)
                    try await adopt(keyring, identity: identity, transport: transport)
                }
                if let joinName, !joinName.trimmingCharacters(in: .whitespaces).isEmpty {
                    try await nameDevice(device, joinName)   // known here at once; syncs to the others
                }
                let verified = try await loadVerifierState()
                let counter = try await database.read { db in
                    UInt64(String(decoding: try SyncChangeLog.meta(Meta.checkpointCounter, db) ?? Data("0".utf8), as: UTF8.self)) ?? 0
                }
                let state = PairingCode.WelcomeState(
                    heads: Dictionary(uniqueKeysWithValues: verified.verifiedHashes.keys.map { ($0.rawValue, verified.head(of: $0)) }),
                    checkpointCounter: counter)
                let welcome = try code.welcome(sealedKeyring: try keyring.sealed(for: card), state: state, for: device)
                try await put(welcome.bytes, welcome.name, transport, keepExisting: true)
                try await database.write { db in
                    try SyncChangeLog.setMeta(Meta.pairingPrefix + pairing, nil, db)
                    try SyncChangeLog.setMeta(Meta.pairingIssuedPrefix + pairing, nil, db)
                }
                report.admitted.append((device.rawValue, PairingFingerprint.digits(identity.card, card)))
                report.keyringUpdated = true
                break   // a code admits one device
            }
        }

        try await writeCheckpoint(verifier: try await loadVerifierState(), keyring: keyring, identity: identity, transport: transport)
        try await recordLastRun(report)
        return report
    }

    /// Keeps when the run finished and the problems it found, for `sync status`.
    private func recordLastRun(_ report: SyncRunReport) async throws {
        let problems = report.violations.map(\.description)
        try await database.write { db in
            try SyncChangeLog.setMeta(Meta.lastRun, try JSONEncoder().encode(LastRun(finished: Date(), problems: problems)), db)
        }
    }

    /// Per log, the highest envelope sequence every active device has applied: this device's
    /// verified head, and what each other active device's newest signed checkpoint claims.
    static func acknowledgedHeads(_ state: LogVerifierState, keyring: LibraryKeyring, me: DeviceID) -> [String: Int64] {
        let others = keyring.membership.activeMembers.map(\.card.id).filter { $0 != me }
        var result: [String: Int64] = [:]
        for log in state.verifiedHashes.keys {
            var acknowledged = state.head(of: log).sequence
            for member in others where member != log {
                acknowledged = min(acknowledged, state.latestClaims[member]?[log]?.sequence ?? 0)
            }
            result[log.rawValue] = Int64(acknowledged)
        }
        return result
    }

    /// Completes a join once the admitting device has written the welcome.
    private func completeJoin(code: PairingCode, identity: DeviceIdentity) async throws -> String {
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
        let name = try await database.read { db in String(decoding: try SyncChangeLog.meta(Meta.deviceName, db) ?? Data(), as: UTF8.self) }
        // What the admitting device had verified: the transport must show this device at least that.
        var verifier = LogVerifierState()
        if let welcomeState {
            var claims: [DeviceID: LogHead] = [:]
            for (device, head) in welcomeState.heads { if let id = DeviceID(rawValue: device) { claims[id] = head } }
            verifier.latestClaims[admitter.id] = claims
            verifier.checkpointCounters[admitter.id] = welcomeState.checkpointCounter
        }
        let initialVerifier = try JSONEncoder().encode(verifier)
        try await database.write { db in
            try Self.activate(keyring: keyring, identity: identity, deviceName: name, db)
            try SyncChangeLog.setMeta(Meta.verifier, initialVerifier, db)
            try SyncChangeLog.setMeta(Meta.join, nil, db)
            try SyncChangeLog.setMeta(Meta.joinedAt, nil, db)
            try SyncChangeLog.setMeta(Meta.deviceName, nil, db)
        }
        return PairingFingerprint.digits(admitter, identity.card)
    }

    /// Waiting for admission, or past the time the code stays open on the admitting device.
    private func stillWaiting() async throws -> SyncFailure {
        let asked = try await database.read { db in
            try SyncChangeLog.meta(Meta.joinedAt, db).flatMap { TimestampFormat.parseDatabase(String(decoding: $0, as: UTF8.self)) }
        }
        if let asked, Date().timeIntervalSince(asked) > Self.pairingLifetime {
            return .pairingExpired(hours: Int(Self.pairingLifetime / 3600))
        }
        return .waitingForAdmission
    }

    /// The newest keyring sealed to this device among `names`, verified to extend the current one.
    private func newerKeyring(in names: [ObjectName], current: LibraryKeyring, identity: DeviceIdentity,
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
    private func membershipNamesAfter(_ keyring: LibraryKeyring, transport: any SyncTransport) async throws -> [ObjectName] {
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
    private func recordRevocation() async throws {
        try await database.write { db in try SyncChangeLog.setMeta(Meta.revoked, Data("1".utf8), db) }
    }

    /// Whether a newer membership version, verified against this device's chain, revokes it.
    private func isRevoked(identity: DeviceIdentity, keyring: LibraryKeyring, transport: any SyncTransport, names: [ObjectName]) async throws -> Bool {
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

    // MARK: - Push

    private func loadWriter(keyring: LibraryKeyring, identity: DeviceIdentity, verifier: LogVerifier) async throws -> LogWriter {
        if let data = try await database.read({ db in try SyncChangeLog.meta(Meta.writer, db) }) {
            return try JSONDecoder().decode(LogWriter.self, from: data)
        }
        // Recovered device: continue the log where the transport shows it.
        return LogWriter(library: keyring.library, device: identity.id, head: verifier.state.head(of: identity.id))
    }

    /// Sends what the outbox holds (envelopes sealed before a crash), then every pending
    /// change. Each envelope is sealed, stored in the outbox, and its changes marked sent in
    /// one transaction before it is put; a crash anywhere resends the same bytes.
    ///
    /// The next batch of pending changes is prepared (read on a reader connection, its
    /// pictures uploaded, its payload encoded) while the current one is sealed, stored and
    /// put: each batch starts after the last change of the one before
    /// (`SyncChangeLog.pendingChanges(limit:after:_:)`), so the envelopes are the ones reading,
    /// sending and marking one batch at a time makes.
    private func push(writer: inout LogWriter, keyring: LibraryKeyring, identity: DeviceIdentity,
                      transport: any SyncTransport, into report: inout SyncRunReport) async throws {
        try await flushOutbox(transport)
        let uploads = SyncCounter()
        let pendingTotal = try await database.read { db in try SyncChangeLog.pendingCount(db) }
        var nextBatch = preparePushBatch(after: nil, transport: transport, uploads: uploads)
        do {
            while true {
                let batch = try await nextBatch.value
                guard let last = batch.changes.last else { return }
                nextBatch = preparePushBatch(after: last, transport: transport, uploads: uploads)
                if batch.oversized {
                    try await database.write { db in try SyncChangeLog.markSkipped(batch.changes, db) }
                    report.skippedOversized += batch.changes.map { "\($0.entity.rawValue) \($0.key) \($0.field)" }
                    continue
                }
                report.uploadedBlobs += batch.uploadedBlobs
                let clock = try await database.read { db in try SyncChangeLog.currentClock(db) }
                let hlc = HLCTimestamp(physicalMs: clock.physicalMs, counter: clock.counter, device: identity.id)
                let envelope = try writer.append(batch.payload, clock: hlc, keyring: keyring, identity: identity)
                let head = writer.head
                let writerData = try JSONEncoder().encode(writer)
                try await database.write { db in
                    try SyncChangeLog.setMeta(Self.outboxKey(head.sequence), envelope.bytes, db)
                    try SyncChangeLog.setMeta(Meta.writer, writerData, db)
                    try SyncChangeLog.markSent(batch.changes, device: identity.id.rawValue, sequence: Int64(head.sequence), db)
                    for hash in batch.pictures { try SyncChangeLog.setMeta(Meta.uploadedPrefix + hash, nil, db) }
                    var state = try Self.verifierState(db)
                    var verifier = LogVerifier(library: keyring.library, state: state)
                    verifier.recordOwnEnvelope(device: identity.id, head: head)
                    state = verifier.state
                    try SyncChangeLog.setMeta(Meta.verifier, try JSONEncoder().encode(state), db)
                }
                try await flushOutbox(transport)
                report.sentChanges += batch.changes.count
                Self.report(SyncProgress(phase: .sending, done: report.sentChanges, total: max(pendingTotal, report.sentChanges)))
                report.sentEnvelopes += 1
            }
        } catch {
            // Nothing of this run works on after it: the batch read ahead is finished first.
            nextBatch.cancel()
            _ = await nextBatch.result
            throw error
        }
    }

    /// One envelope's worth of pending changes, ready to seal.
    private struct PushBatch: Sendable {
        /// The changes as read (what `SyncChangeLog.markSent(_:device:sequence:_:)` marks).
        var changes: [SyncChange]
        /// Their encoding, each new generation with the reference of its uploaded picture.
        var payload: Data
        /// Pictures uploaded for the batch.
        var uploadedBlobs = 0
        /// The batch is one change too large for any envelope: to skip, not send.
        var oversized = false
        /// The pictures whose blobs the batch refers to (their upload records go once it is sealed).
        var pictures: [String] = []
    }

    /// Starts preparing the pending changes that follow `previous` (nil: from the oldest), at
    /// most one envelope's worth: reads them with their current values, uploads the pictures
    /// of new generations (secretstream blobs, put before the envelope that refers to them),
    /// and encodes the payload.
    private func preparePushBatch(after previous: SyncChange?, transport: any SyncTransport, uploads: SyncCounter) -> Task<PushBatch, any Error> {
        Task {
            var changes = try await database.read { db in
                try SyncChangeLog.pendingChanges(limit: Self.changesPerEnvelope, after: previous, db)
            }
            // Bounded by bytes as well as by count (measured whole first: nearly always under budget).
            let generations = changes.filter { $0.entity == .generation && $0.field == "*" }.count
            if SyncChangeCodec.encode(changes).count + generations * Self.blobReferenceAllowance > Self.envelopePayloadBudget {
                var total = 0, cut = 0
                while cut < changes.count {
                    let size = SyncChangeCodec.encode([changes[cut]]).count + Self.blobReferenceAllowance
                    if total + size > Self.envelopePayloadBudget { break }
                    total += size
                    cut += 1
                }
                if cut == 0 { return PushBatch(changes: [changes[0]], payload: Data(), oversized: true) }
                changes.removeSubrange(cut...)
            }
            var batch = PushBatch(changes: changes, payload: Data())
            var sent = changes
            for index in sent.indices where sent[index].entity == .generation && sent[index].field == "*" {
                guard let hash = String.fromDatabaseValue(sent[index].values["image_hash"] ?? .null) else { continue }
                let (reference, uploaded) = try await pictureBlob(hash: hash, transport: transport)
                sent[index].values["blob"] = try JSONEncoder().encode(reference).databaseValue
                if uploaded {
                    batch.uploadedBlobs += 1
                    let moved = await uploads.add(bytes: Int64(reference.ciphertextBytes))
                    Self.report(SyncProgress(phase: .uploadingPictures, done: moved.count, bytes: moved.bytes))
                }
                batch.pictures.append(hash)
            }
            batch.payload = SyncChangeCodec.encode(sent)
            return batch
        }
    }

    private static func outboxKey(_ sequence: UInt64) -> String {
        Meta.outboxPrefix + String(repeating: "0", count: max(0, 20 - String(sequence).count)) + String(sequence)
    }

    private func flushOutbox(_ transport: any SyncTransport) async throws {
        let (keys, device) = try await database.read { db in
            (try SyncChangeLog.metaKeys(prefix: Meta.outboxPrefix, db), try SyncChangeLog.deviceID(db))
        }
        guard let device = device.flatMap(DeviceID.init(rawValue:)) else { return }
        for key in keys {
            guard let sequence = UInt64(key.dropFirst(Meta.outboxPrefix.count)),
                  let bytes = try await database.read({ db in try SyncChangeLog.meta(key, db) }) else { continue }
            try await put(bytes, SyncObjectName.log(device, sequence: sequence).objectName, transport)
            try await database.write { db in try SyncChangeLog.setMeta(key, nil, db) }
        }
    }

    // MARK: - Apply

    /// Downloads the pictures the accepted envelopes refer to, then applies their changes (a
    /// transaction per group of envelopes) and saves the verifier state (applying is
    /// idempotent, so a crash before that only repeats work).
    private func apply(_ accepted: [OpenedEnvelope], verifier: LogVerifier, transport: any SyncTransport,
                       into report: inout SyncRunReport) async throws {
        let lazy = try await picturesAreLazy()
        let state = verifier.state
        report.receivedEnvelopes = accepted.count
        // Envelopes are decoded and applied in groups of up to `applyTransactionLimit` changes
        // (`changesPerApplyTransaction`), a transaction per group, with a page cache large
        // enough to hold what such a transaction dirties (with the usual 16 MiB, SQLite spilled
        // pages to the log mid-transaction and wrote them again at commit; a transaction per
        // envelope rewrote the random-key index pages every 4,000 records). Decoding a group at
        // a time bounds the memory a first sync holds; the next group is decoded (and its
        // pictures fetched) while the writer applies the current one, so at most two groups
        // are held. The verifier's high-water marks are saved last: a crash in between only
        // makes the next run apply those envelopes again, which changes nothing (applying is
        // idempotent). So the groups' commits are not flushed on their own: the verifier's
        // ordinary commit flushes the log with them (a power cut before it only repeats work).
        // Whole new generations are laid out as insert rows with the envelope's decoding, off the writer.
        let layout = ApplyLayout(syncedColumns: try await database.read(SyncChangeApplier.syncedGenerationColumns),
                                 deviceKey: lazy ? try loadDeviceKey() : nil)
        var applied = SyncApplyReport()
        var preparing = prepareApplyGroup(accepted, from: accepted.startIndex, decodedFirst: nil, layout: layout, transport: transport)
        do {
            while true {
                let group = try await preparing.value
                defer { Self.report(SyncProgress(phase: .applying, done: group.end, total: accepted.count)) }
                if group.end < accepted.endIndex {
                    preparing = prepareApplyGroup(accepted, from: group.end, decodedFirst: group.decodedNext, layout: layout, transport: transport)
                }
                report.detections += group.rejected
                report.downloadedBlobs += group.downloadedBlobs
                if !group.batches.isEmpty || !group.deferredPictures.isEmpty {
                    applied.add(try await database.writeWithLargeCache(cacheMebibytes: Self.applyCacheMebibytes, flushedLater: true) { db in
                        var applied = SyncApplyReport()
                        try db.inTransaction {
                            for picture in group.deferredPictures { try Self.recordDeferredPicture(picture, db) }
                            for batch in group.batches {
                                applied.add(try SyncChangeApplier.apply(batch.changes, prepared: batch.prepared, fromLog: batch.device,
                                                                        sequence: batch.sequence, db))
                            }
                            return .commit
                        }
                        return applied
                    })
                }
                if !group.wantedPictures.isEmpty {
                    let wanted = group.wantedPictures
                    try await database.write { db in for id in wanted { try SyncChangeLog.requestPicture(ofGeneration: id, db) } }
                }
                if group.end == accepted.endIndex { break }
            }
        } catch {
            // Nothing of this run works on after it: the group prepared ahead is finished first.
            preparing.cancel()
            _ = await preparing.result
            throw error
        }
        try await database.write { db in
            // Own envelopes recorded while pushing stay recorded.
            var merged = state
            let current = try Self.verifierState(db)
            for (device, hashes) in current.verifiedHashes where hashes.count > (merged.verifiedHashes[device]?.count ?? 0) {
                merged.verifiedHashes[device] = hashes
            }
            try SyncChangeLog.setMeta(Meta.verifier, try JSONEncoder().encode(merged), db)
        }
        report.applied.add(applied)
        for path in applied.unreferencedFiles { library.files.remove(path) }
    }

    /// Accepted envelopes decoded for one apply transaction, with their pictures downloaded
    /// (eager) or set aside (lazy).
    private struct ApplyGroup: Sendable {
        /// Each envelope's changes and its whole new generations laid out, with the log position
        /// tombstones remember.
        var batches: [(changes: [SyncChange], prepared: PreparedGenerations, device: String, sequence: Int64)] = []
        /// Pictures whose download waits (lazy mode): their rows are stored with the group.
        var deferredPictures: [DeferredPicture] = []
        /// Envelopes whose payload does not decode.
        var rejected: [Detection] = []
        /// Pictures downloaded for the group.
        var downloadedBlobs = 0
        /// Generations whose picture blob could not be used: asked for again once they are applied.
        var wantedPictures: [String] = []
        /// Index of the first envelope after the group.
        var end: Int
        /// That envelope's changes when decoding it showed it did not fit the group.
        var decodedNext: [SyncChange]?
    }

    /// What preparing an apply group needs for every group of a run.
    private struct ApplyLayout: Sendable {
        /// The generation columns new generations are laid out for.
        var syncedColumns: [String]
        /// The device key that seals deferred pictures' blob references (lazy mode); nil in eager mode.
        var deviceKey: SymmetricKey?
        /// Pictures downloaded so far this run (for progress).
        var downloads = SyncCounter()
    }

    /// Starts decoding the accepted envelopes from index `start` into a group of up to
    /// `applyTransactionLimit` changes (one larger envelope makes a group of its own), laying
    /// out their whole new generations and fetching the pictures these show. `decodedFirst`:
    /// the envelope at `start`, already decoded.
    private func prepareApplyGroup(_ accepted: [OpenedEnvelope], from start: Int, decodedFirst: [SyncChange]?, layout: ApplyLayout,
                                   transport: any SyncTransport) -> Task<ApplyGroup, any Error> {
        Task {
            var group = ApplyGroup(end: start)
            var groupSize = 0
            var decodedNext = decodedFirst
            while group.end < accepted.endIndex {
                let envelope = accepted[group.end]
                let changes: [SyncChange]
                do { changes = try decodedNext ?? SyncChangeCodec.decode(envelope.payload) } catch {
                    group.rejected.append(.rejected(SyncObjectName.log(envelope.header.device, sequence: envelope.header.sequence).objectName,
                                                    .malformed("payload: \(error)")))
                    group.end += 1
                    continue
                }
                decodedNext = nil
                // The first group is one envelope: the writer starts while the next group is decoded.
                let limit = start == accepted.startIndex ? min(applyTransactionLimit, Self.changesPerEnvelope) : applyTransactionLimit
                if !group.batches.isEmpty && groupSize + changes.count > limit {
                    group.decodedNext = changes
                    break
                }
                group.end += 1
                for change in changes where change.entity == .generation && change.field == "*" {
                    guard let blob = change.values["blob"].flatMap(Data.fromDatabaseValue),
                          let hash = String.fromDatabaseValue(change.values["image_hash"] ?? .null) else { continue }
                    // Present: stored, and not a picture still waiting for its file (a lazy one, or one
                    // whose earlier blob was unusable: a device answering a request sends a new blob).
                    let present = try await database.read { db in
                        try ImageRecord.find(hash: hash, db) != nil && SyncChangeLog.meta(Meta.picturePrefix + hash, db) == nil
                    }
                    if present { continue }
                    let reference = try JSONDecoder().decode(BlobReference.self, from: blob)
                    guard reference.plaintextSHA256 == hash else { throw SyncError.blobMismatch("blob reference does not match picture \(hash)") }
                    if let deviceKey = layout.deviceKey {
                        group.deferredPictures.append(DeferredPicture(hash: hash, values: change.values,
                                                                      sealedReference: KeyringFile.seal(blob, deviceKey: deviceKey)))
                    } else {
                        do {
                            try await downloadPicture(reference, transport: transport)
                            try await database.write { db in try SyncChangeLog.setMeta(Meta.picturePrefix + hash, nil, db) }
                            group.downloadedBlobs += 1
                            let moved = await layout.downloads.add(bytes: Int64(reference.ciphertextBytes))
                            Self.report(SyncProgress(phase: .downloadingPictures, done: moved.count, bytes: moved.bytes))
                        } catch where Self.isUnusablePicture(error) {
                            // One damaged or missing picture never holds back its device's log: the row is
                            // stored without the file (as a lazy picture), the run reports the blob, and every
                            // later run tries the download again.
                            group.deferredPictures.append(DeferredPicture(hash: hash, values: change.values,
                                                                          sealedReference: KeyringFile.seal(blob, deviceKey: try loadDeviceKey())))
                            group.rejected.append(.unreadable(reference.name, reason: "picture \(hash.prefix(12)): \(error)"))
                            group.wantedPictures.append(change.key)
                        }
                    }
                }
                group.batches.append((changes, PreparedGenerations(changes, syncedColumns: layout.syncedColumns),
                                      envelope.header.device.rawValue, Int64(envelope.header.sequence)))
                groupSize += changes.count
            }
            return group
        }
    }

    private func writeCheckpoint(verifier state: LogVerifierState, keyring: LibraryKeyring, identity: DeviceIdentity,
                                 transport: any SyncTransport) async throws {
        let verifier = LogVerifier(library: keyring.library, state: state)
        let counter = try await database.read { db in
            UInt64(String(decoding: try SyncChangeLog.meta(Meta.checkpointCounter, db) ?? Data("0".utf8), as: UTF8.self)) ?? 0
        } + 1
        let checkpoint = try verifier.makeCheckpoint(by: identity, counter: counter)
        try await put(checkpoint.bytes, checkpoint.name, transport)
        try await database.write { db in try SyncChangeLog.setMeta(Meta.checkpointCounter, Data(String(counter).utf8), db) }
    }

    // MARK: - Loading and saving

    private func ensureNotConfigured() async throws {
        let configured = try await database.read { db in try SyncChangeLog.meta(Meta.identity, db) != nil }
        if configured { throw SyncFailure.alreadyConfigured("a device identity exists") }
    }

    private var deviceKeyURL: URL { keyDirectory.appendingPathComponent("\(library.info.libraryID).key") }

    /// A new device key: in its file, or, with a passphrase, sealed under it in the library.
    private func createDeviceKey() throws -> SymmetricKey {
        if let passphrase {
            let key = SymmetricKey()
            let sealed = try KeyringFile.seal(key.exportedBytes(), passphrase: passphrase)
            try database.write { db in try SyncChangeLog.setMeta(Meta.passphraseProtectedKey, sealed, db) }
            unlockedKey.withLock { $0 = key }
            return key
        }
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if FileManager.default.fileExists(atPath: deviceKeyURL.path) { return try loadDeviceKey() }
        return try DeviceKeyFile.create(at: deviceKeyURL)
    }

    /// The device key: from its file, or unsealed with the passphrase (once per instance: Argon2id is slow on purpose).
    func loadDeviceKey() throws -> SymmetricKey {
        if let key = unlockedKey.withLock({ $0 }) { return key }
        if let sealed = try database.read({ db in try SyncChangeLog.meta(Meta.passphraseProtectedKey, db) }) {
            guard let passphrase else {
                throw SyncFailure.deviceKeyUnavailable("this library's sync keys are protected by a passphrase: set DARKROOM_SYNC_PASSPHRASE")
            }
            let key: SymmetricKey
            do { key = try SymmetricKey(bytes: try KeyringFile.open(sealed, passphrase: passphrase)) } catch {
                throw SyncFailure.deviceKeyUnavailable("the passphrase does not open this library's sync keys")
            }
            unlockedKey.withLock { $0 = key }
            return key
        }
        do { return try DeviceKeyFile.load(from: deviceKeyURL) } catch { throw SyncFailure.deviceKeyUnavailable("\(deviceKeyURL.path): \(error)") }
    }

    private func loadIdentity() async throws -> DeviceIdentity {
        guard let sealed = try await database.read({ db in try SyncChangeLog.meta(Meta.identity, db) }) else { throw SyncFailure.notConfigured }
        return try DeviceIdentity.open(sealed, deviceKey: try loadDeviceKey())
    }

    private func loadKeyring(identity: DeviceIdentity) async throws -> LibraryKeyring? {
        guard let sealed = try await database.read({ db in try SyncChangeLog.meta(Meta.keyring, db) }) else { return nil }
        return try LibraryKeyring.open(sealed, as: identity)
    }

    func loadMember() async throws -> (DeviceIdentity, LibraryKeyring) {
        let identity = try await loadIdentity()
        guard let keyring = try await loadKeyring(identity: identity) else {
            throw try await joinCode() != nil ? SyncFailure.waitingForAdmission : SyncFailure.notConfigured
        }
        return (identity, keyring)
    }

    private func saveKeyring(_ keyring: LibraryKeyring, identity: DeviceIdentity) async throws {
        let sealed = try keyring.sealed(for: identity.card)
        try await database.write { db in try SyncChangeLog.setMeta(Meta.keyring, sealed, db) }
    }

    private static func verifierState(_ db: Database) throws -> LogVerifierState {
        guard let data = try SyncChangeLog.meta(Meta.verifier, db) else { return LogVerifierState() }
        return try JSONDecoder().decode(LogVerifierState.self, from: data)
    }

    private func loadVerifierState() async throws -> LogVerifierState {
        try await database.read { db in try Self.verifierState(db) }
    }

    private func transportSpec() async throws -> TransportSpec {
        guard let data = try await database.read({ db in try SyncChangeLog.meta(Meta.transport, db) }) else { throw SyncFailure.notConfigured }
        return try TransportSpec(String(decoding: data, as: UTF8.self))
    }

    func openTransport(keyring: LibraryKeyring, identity: DeviceIdentity) async throws -> any SyncTransport {
        let transport = try await transportSpec().open(library: keyring.library, identity: identity)
        return interposer?(transport) ?? transport
    }

    private func joinCode() async throws -> PairingCode? {
        guard let sealed = try await database.read({ db in try SyncChangeLog.meta(Meta.join, db) }) else { return nil }
        return try PairingCode(String(decoding: try KeyringFile.open(sealed, deviceKey: try loadDeviceKey()), as: UTF8.self))
    }

    /// The pairing codes still open; expired ones (and ones this version cannot read) are closed.
    private func openPairings() async throws -> [(String, PairingCode)] {
        let entries = try await database.read { db in
            try SyncChangeLog.metaKeys(prefix: Meta.pairingPrefix, db).compactMap { key -> (String, Data, Date?)? in
                let pairing = String(key.dropFirst(Meta.pairingPrefix.count))
                let issued = try SyncChangeLog.meta(Meta.pairingIssuedPrefix + pairing, db)
                    .flatMap { TimestampFormat.parseDatabase(String(decoding: $0, as: UTF8.self)) }
                return try SyncChangeLog.meta(key, db).map { (pairing, $0, issued) }
            }
        }
        guard !entries.isEmpty else { return [] }
        let key = try loadDeviceKey()
        var open: [(String, PairingCode)] = []
        var closed: [String] = []
        for (pairing, sealed, issued) in entries {
            if let issued, Date().timeIntervalSince(issued) < Self.pairingLifetime,
               let code = try? PairingCode(String(decoding: try KeyringFile.open(sealed, deviceKey: key), as: UTF8.self)) {
                open.append((pairing, code))
            } else {
                closed.append(pairing)
            }
        }
        if !closed.isEmpty {
            let expired = closed
            try await database.write { db in
                for pairing in expired {
                    try SyncChangeLog.setMeta(Meta.pairingPrefix + pairing, nil, db)
                    try SyncChangeLog.setMeta(Meta.pairingIssuedPrefix + pairing, nil, db)
                }
            }
        }
        return open
    }

    /// Puts an object; with `keepExisting`, an object already stored under the name (written
    /// by an earlier, interrupted run of this device) is kept.
    private func put(_ bytes: Data, _ name: ObjectName, _ transport: any SyncTransport, keepExisting: Bool = false) async throws {
        do { try await transport.put(bytes, name: name) } catch TransportError.conflict(_) where keepExisting {
            return
        } catch let error as TransportError {
            throw SyncFailure.transport(error.description)
        }
    }
}
