import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

/// Sending this device's changes: batches read ahead, pictures uploaded, envelopes sealed into the
/// outbox and put.
extension LibrarySync {
    // MARK: - Push

    func loadWriter(keyring: LibraryKeyring, identity: DeviceIdentity, verifier: LogVerifier) async throws -> LogWriter {
        if let data = try await database.readSync({ db in try db.meta(Meta.writer) }) {
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
    func push(writer: inout LogWriter, keyring: LibraryKeyring, identity: DeviceIdentity,
                      transport: any SyncTransport, into report: inout SyncRunReport) async throws {
        try await flushOutbox(transport)
        let uploads = SyncCounter()
        let pendingTotal = try await database.readSync { db in try db.pendingCount() }
        var nextBatch = preparePushBatch(after: nil, transport: transport, uploads: uploads)
        do {
            while true {
                let batch = try await nextBatch.value
                guard let last = batch.changes.last else { return }
                nextBatch = preparePushBatch(after: last, transport: transport, uploads: uploads)
                if batch.oversized {
                    try await database.writeSync { db in try db.markSkipped(batch.changes) }
                    report.skippedOversized += batch.changes.map { "\($0.entity.rawValue) \($0.key) \($0.field)" }
                    continue
                }
                report.uploadedBlobs += batch.uploadedBlobs
                let clock = try await database.readSync { db in try db.currentClock() }
                let hlc = HLCTimestamp(physicalMs: clock.physicalMs, counter: clock.counter, device: identity.id)
                let envelope = try writer.append(batch.payload, clock: hlc, keyring: keyring, identity: identity)
                let head = writer.head
                let writerData = try JSONEncoder().encode(writer)
                try await database.writeSync { db in
                    try db.setMeta(Self.outboxKey(head.sequence), envelope.bytes)
                    try db.setMeta(Meta.writer, writerData)
                    try db.markSent(batch.changes, device: identity.id.rawValue, sequence: Int64(head.sequence))
                    for hash in batch.pictures { try db.setMeta(Meta.uploadedPrefix + hash, nil) }
                    var state = try Self.verifierState(db)
                    var verifier = LogVerifier(library: keyring.library, state: state)
                    verifier.recordOwnEnvelope(device: identity.id, head: head)
                    state = verifier.state
                    try db.setMeta(Meta.verifier, try JSONEncoder().encode(state))
                }
                try await flushOutbox(transport)
                report.sentChanges += batch.changes.count
                self.reportProgress(SyncProgress(phase: .sending, done: report.sentChanges, total: max(pendingTotal, report.sentChanges)))
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
    struct PushBatch: Sendable {
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
    func preparePushBatch(after previous: SyncChange?, transport: any SyncTransport, uploads: SyncCounter) -> Task<PushBatch, any Error> {
        Task {
            var changes = try await database.readSync { db in
                try db.pendingChanges(limit: Self.changesPerEnvelope, after: previous)
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
                guard let hash = sent[index].text("image_hash") else { continue }
                let (reference, uploaded) = try await pictureBlob(hash: hash, transport: transport)
                sent[index].setBytes(try JSONEncoder().encode(reference), for: "blob")
                if uploaded {
                    batch.uploadedBlobs += 1
                    let moved = await uploads.add(bytes: Int64(reference.ciphertextBytes))
                    self.reportProgress(SyncProgress(phase: .uploadingPictures, done: moved.count, bytes: moved.bytes))
                }
                batch.pictures.append(hash)
            }
            batch.payload = SyncChangeCodec.encode(sent)
            return batch
        }
    }

    static func outboxKey(_ sequence: UInt64) -> String {
        Meta.outboxPrefix + String(repeating: "0", count: max(0, 20 - String(sequence).count)) + String(sequence)
    }

    func flushOutbox(_ transport: any SyncTransport) async throws {
        let (keys, device) = try await database.readSync { db in
            (try db.metaKeys(prefix: Meta.outboxPrefix), try db.deviceID())
        }
        guard let device = device.flatMap(DeviceID.init(rawValue:)) else { return }
        for key in keys {
            guard let sequence = UInt64(key.dropFirst(Meta.outboxPrefix.count)),
                  let bytes = try await database.readSync({ db in try db.meta(key) }) else { continue }
            try await put(bytes, SyncObjectName.log(device, sequence: sequence).objectName, transport)
            try await database.writeSync { db in try db.setMeta(key, nil) }
        }
    }
}
