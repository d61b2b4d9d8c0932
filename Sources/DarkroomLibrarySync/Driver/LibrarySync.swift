import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

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
    package let library: any SyncedLibrary
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
    package static let changesPerApplyTransaction = 25_000
    /// This instance's limit of received changes per apply transaction: `changesPerApplyTransaction`
    /// unless a test sets a small one (several transactions from a few envelopes).
    let applyTransactionLimit: Int
    /// The page cache (MiB) while applying received envelopes: enough for what a transaction of
    /// `changesPerApplyTransaction` generations dirties, so nothing spills before the commit.
    static let applyCacheMebibytes = 64

    enum Meta {
        static let identity = "identity", keyring = "keyring", transport = "transport", writer = "writer"
        static let verifier = "verifier", join = "join", checkpointCounter = "checkpoint-counter"
        static let checkpointPending = "checkpoint-pending"
        static let lastRun = "last-run", deviceName = "device-name", passphraseProtectedKey = "device-key"
        static let unpublished = "membership-unpublished", revoked = "revoked"
        static let outboxPrefix = "outbox/", pairingPrefix = "pairing/", uploadedPrefix = "uploaded/"
        static let pairingIssuedPrefix = "pairing-issued/", joinedAt = "join-asked-at"
        static let picturePrefix = SyncCapture.pendingPicturePrefix
    }

    /// Wraps the transport this sync opens (fault injection in tests, instrumentation).
    public typealias TransportInterposer = @Sendable (any SyncTransport) -> any SyncTransport
    let interposer: TransportInterposer?
    let passphrase: String?
    let unlockedKey = UnlockedKey()
    /// Where the run in progress reports (``run(progress:)``).
    let progressSink = SyncProgressSink()

    /// The device key once unsealed (Synchronization's Mutex needs newer Apple OS versions than the package's).
    final class UnlockedKey: @unchecked Sendable {
        let lock = NSLock()
        var key: SymmetricKey?
        func withLock<T>(_ body: (inout SymmetricKey?) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&key) }
    }

    /// Sync for `library` applying at most `applyTransactionLimit` received changes per
    /// transaction (whole envelopes); the public initializer uses `changesPerApplyTransaction`.
    package init(syncing library: any SyncedLibrary, keyDirectory: URL? = nil, passphrase: String? = nil,
                 interposer: TransportInterposer? = nil, applyTransactionLimit: Int = changesPerApplyTransaction) {
        self.library = library
        self.keyDirectory = keyDirectory ?? Self.defaultKeyDirectory()
        self.passphrase = passphrase
        self.interposer = interposer
        self.applyTransactionLimit = applyTransactionLimit
    }

    /// The platform's per-user application-support folder, `darkroom/keys` inside it (on Linux
    /// `$XDG_DATA_HOME/darkroom/keys`, else `~/.local/share/darkroom/keys`; in an iOS app, its
    /// Application Support container). The library reads no environment: a client that lets the
    /// user choose (the CLI's `$DARKROOM_KEY_DIR`) passes its folder.
    public static func defaultKeyDirectory() -> URL {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask).first
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return support.appendingPathComponent("darkroom/keys")
    }

    var database: LibraryDatabase { library.database }

    // MARK: - Status

    /// What `sync status` shows.
    public func status() async throws -> SyncStatus {
        let identity = try await loadIdentity()
        let keyring = try await loadKeyring(identity: identity)
        let state = try await loadVerifierState()
        let (spec, pending, pairings, waiting, lastRun, names) = try await database.readSync { db in
            (String(decoding: try db.meta(Meta.transport) ?? Data(), as: UTF8.self),
             try db.pendingCount(),
             try db.metaKeys(prefix: Meta.pairingPrefix).count,
             try db.meta(Meta.join) != nil,
             try db.meta(Meta.lastRun),
             try db.deviceNames())
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

    struct LastRun: Codable {
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

        if try await database.readSync({ db in try db.meta(Meta.unpublished) }) != nil {
            try await publish(keyring, identity: identity, transport: transport)
        }
        self.reportProgress(SyncProgress(phase: .checking))
        var verifier = LogVerifier(library: keyring.library, state: try await loadVerifierState())
        let pairings = try await openPairings()
        if try await database.readSync({ db in try db.meta(Meta.revoked) }) != nil { throw SyncFailure.revoked }
        var pulled: PullReport
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
        try await shareCredentialsAuthorities(keyring: keyring, identity: identity)
        if try await !library.syncsPicturesLazily() {
            var unusable: [Detection] = []
            report.downloadedBlobs += try await fetchPendingPictures(nil) { unusable.append($0) }
            let seen = Set(report.detections.map(\.description))
            report.detections += unusable.filter { !seen.contains($0.description) }
        }
        let acknowledged = Self.acknowledgedHeads(try await loadVerifierState(), keyring: keyring, me: identity.id)
        report.collectedTombstones = try await database.writeSync { db in try db.collectTombstones(acknowledged: acknowledged) }

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
                let state = PairingCode.WelcomeState(
                    heads: Dictionary(uniqueKeysWithValues: verified.verifiedHashes.keys.map { ($0.rawValue, verified.head(of: $0)) }),
                    checkpointCounter: try await checkpointCounter())
                let welcome = try code.welcome(sealedKeyring: try keyring.sealed(for: card), state: state, for: device)
                try await put(welcome.bytes, welcome.name, transport, keepExisting: true)
                try await database.writeSync { db in try Self.closePairing(pairing, db) }
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
    func recordLastRun(_ report: SyncRunReport) async throws {
        let problems = report.violations.map(\.description)
        try await database.writeSync { db in
            try db.setMeta(Meta.lastRun, try JSONEncoder().encode(LastRun(finished: Date(), problems: problems)))
        }
    }

    // MARK: - Loading and saving

    func ensureNotConfigured() async throws {
        let configured = try await database.readSync { db in try db.meta(Meta.identity) != nil }
        if configured { throw SyncFailure.alreadyConfigured("a device identity exists") }
    }

    var deviceKeyURL: URL { keyDirectory.appendingPathComponent("\(library.info.libraryID).key") }

    /// A new device key: in its file, or, with a passphrase, sealed under it in the library.
    func createDeviceKey() throws -> SymmetricKey {
        if let passphrase {
            let key = SymmetricKey()
            let sealed = try KeyringFile.seal(key.exportedBytes(), passphrase: passphrase)
            try database.writeSyncNow { db in try db.setMeta(Meta.passphraseProtectedKey, sealed) }
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
        if let sealed = try database.readSyncNow({ db in try db.meta(Meta.passphraseProtectedKey) }) {
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

    func loadIdentity() async throws -> DeviceIdentity {
        guard let sealed = try await database.readSync({ db in try db.meta(Meta.identity) }) else { throw SyncFailure.notConfigured }
        return try DeviceIdentity.open(sealed, deviceKey: try loadDeviceKey())
    }

    func loadKeyring(identity: DeviceIdentity) async throws -> LibraryKeyring? {
        guard let sealed = try await database.readSync({ db in try db.meta(Meta.keyring) }) else { return nil }
        return try LibraryKeyring.open(sealed, as: identity)
    }

    func loadMember() async throws -> (DeviceIdentity, LibraryKeyring) {
        let identity = try await loadIdentity()
        guard let keyring = try await loadKeyring(identity: identity) else {
            throw try await joinCode() != nil ? SyncFailure.waitingForAdmission : SyncFailure.notConfigured
        }
        return (identity, keyring)
    }

    func saveKeyring(_ keyring: LibraryKeyring, identity: DeviceIdentity) async throws {
        let sealed = try keyring.sealed(for: identity.card)
        try await database.writeSync { db in try db.setMeta(Meta.keyring, sealed) }
    }

    static func verifierState(_ db: SyncRecords) throws -> LogVerifierState {
        guard let data = try db.meta(Meta.verifier) else { return LogVerifierState() }
        return try JSONDecoder().decode(LogVerifierState.self, from: data)
    }

    func loadVerifierState() async throws -> LogVerifierState {
        try await database.readSync { db in try Self.verifierState(db) }
    }

    func transportSpec() async throws -> TransportSpec {
        guard let data = try await database.readSync({ db in try db.meta(Meta.transport) }) else { throw SyncFailure.notConfigured }
        return try TransportSpec(String(decoding: data, as: UTF8.self))
    }

    func openTransport(keyring: LibraryKeyring, identity: DeviceIdentity) async throws -> any SyncTransport {
        let transport = try await transportSpec().open(library: keyring.library, identity: identity)
        return interposer?(transport) ?? transport
    }

    func joinCode() async throws -> PairingCode? {
        guard let sealed = try await database.readSync({ db in try db.meta(Meta.join) }) else { return nil }
        return try PairingCode(String(decoding: try KeyringFile.open(sealed, deviceKey: try loadDeviceKey()), as: UTF8.self))
    }

    /// The pairing codes still open; expired ones (and ones this version cannot read) are closed.
    func openPairings() async throws -> [(String, PairingCode)] {
        let entries = try await database.readSync { db in
            try db.metaKeys(prefix: Meta.pairingPrefix).compactMap { key -> (String, Data, Date?)? in
                let pairing = String(key.dropFirst(Meta.pairingPrefix.count))
                let issued = try db.meta(Meta.pairingIssuedPrefix + pairing)
                    .flatMap { TimestampFormat.parseDatabase(String(decoding: $0, as: UTF8.self)) }
                return try db.meta(key).map { (pairing, $0, issued) }
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
            try await database.writeSync { db in for pairing in expired { try Self.closePairing(pairing, db) } }
        }
        return open
    }

    /// Forgets pairing `pairing`: its sealed code and when it was issued.
    static func closePairing(_ pairing: String, _ db: SyncRecords) throws {
        try db.setMeta(Meta.pairingPrefix + pairing, nil)
        try db.setMeta(Meta.pairingIssuedPrefix + pairing, nil)
    }

    /// Puts an object; with `keepExisting`, an object already stored under the name (written
    /// by an earlier, interrupted run of this device) is kept.
    func put(_ bytes: Data, _ name: ObjectName, _ transport: any SyncTransport, keepExisting: Bool = false) async throws {
        do { try await transport.put(bytes, name: name) } catch TransportError.conflict(_) where keepExisting {
            return
        } catch let error as TransportError {
            throw SyncFailure.transport(error.description)
        }
    }
}
