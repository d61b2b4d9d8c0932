import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

/// Applying what other devices sent: envelopes decoded in groups, pictures fetched, changes applied.
extension LibrarySync {
    // MARK: - Apply

    /// Downloads the pictures the accepted envelopes refer to, then applies their changes (a
    /// transaction per group of envelopes) and saves the verifier state (applying is
    /// idempotent, so a crash before that only repeats work).
    func apply(_ accepted: [OpenedEnvelope], verifier: LogVerifier, transport: any SyncTransport,
                       into report: inout SyncRunReport) async throws {
        let lazy = try await library.syncsPicturesLazily()
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
        let layout = ApplyLayout(syncedColumns: try await database.syncedGenerationColumns(),
                                 deviceKey: lazy ? try loadDeviceKey() : nil)
        var applied = SyncApplyReport()
        var preparing = prepareApplyGroup(accepted, from: accepted.startIndex, decodedFirst: nil, layout: layout, transport: transport)
        do {
            while true {
                let group = try await preparing.value
                defer { self.reportProgress(SyncProgress(phase: .applying, done: group.end, total: accepted.count)) }
                if group.end < accepted.endIndex {
                    preparing = prepareApplyGroup(accepted, from: group.end, decodedFirst: group.decodedNext, layout: layout, transport: transport)
                }
                report.detections += group.rejected
                report.downloadedBlobs += group.downloadedBlobs
                if !group.batches.isEmpty || !group.deferredPictures.isEmpty {
                    applied.add(try await database.applySyncGroup(deferredPictures: group.deferredPictures, batches: group.batches,
                                                                  cacheMebibytes: Self.applyCacheMebibytes))
                }
                if !group.wantedPictures.isEmpty {
                    let wanted = group.wantedPictures
                    try await database.writeSync { db in for id in wanted { try db.requestPicture(ofGeneration: id) } }
                }
                if group.end == accepted.endIndex { break }
            }
        } catch {
            // Nothing of this run works on after it: the group prepared ahead is finished first.
            preparing.cancel()
            _ = await preparing.result
            throw error
        }
        try await database.writeSync { db in
            // Own envelopes recorded while pushing stay recorded.
            var merged = state
            let current = try Self.verifierState(db)
            for (device, hashes) in current.verifiedHashes where hashes.count > (merged.verifiedHashes[device]?.count ?? 0) {
                merged.verifiedHashes[device] = hashes
            }
            try db.setMeta(Meta.verifier, try JSONEncoder().encode(merged))
        }
        report.applied.add(applied)
        for path in applied.unreferencedFiles { library.files.remove(path) }
    }

    /// Accepted envelopes decoded for one apply transaction, with their pictures downloaded
    /// (eager) or set aside (lazy).
    struct ApplyGroup: Sendable {
        /// Each envelope's changes and its whole new generations laid out, with the log position
        /// tombstones remember.
        var batches: [PreparedBatch] = []
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
    struct ApplyLayout: Sendable {
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
    func prepareApplyGroup(_ accepted: [OpenedEnvelope], from start: Int, decodedFirst: [SyncChange]?, layout: ApplyLayout,
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
                    guard let blob = change.bytes("blob"), let hash = change.text("image_hash") else { continue }
                    // Present: stored, and not a picture still waiting for its file (a lazy one, or one
                    // whose earlier blob was unusable: a device answering a request sends a new blob).
                    let present = try await database.readSync { db in try db.hasPicture(hash, pendingKey: Meta.picturePrefix + hash) }
                    if present { continue }
                    let reference = try JSONDecoder().decode(BlobReference.self, from: blob)
                    guard reference.plaintextSHA256 == hash else { throw SyncError.blobMismatch("blob reference does not match picture \(hash)") }
                    if let deviceKey = layout.deviceKey {
                        group.deferredPictures.append(DeferredPicture(hash: hash, change: change, sealedReference: KeyringFile.seal(blob, deviceKey: deviceKey),
                                                                      pendingKey: Meta.picturePrefix + hash))
                    } else {
                        do {
                            try await downloadPicture(reference, transport: transport)
                            try await database.writeSync { db in try db.setMeta(Meta.picturePrefix + hash, nil) }
                            group.downloadedBlobs += 1
                            let moved = await layout.downloads.add(bytes: Int64(reference.ciphertextBytes))
                            self.reportProgress(SyncProgress(phase: .downloadingPictures, done: moved.count, bytes: moved.bytes))
                        } catch where Self.isUnusablePicture(error) {
                            // One damaged or missing picture never holds back its device's log: the row is
                            // stored without the file (as a lazy picture), the run reports the blob, and every
                            // later run tries the download again.
                            group.deferredPictures.append(DeferredPicture(hash: hash, change: change,
                                                                          sealedReference: KeyringFile.seal(blob, deviceKey: try loadDeviceKey()),
                                                                          pendingKey: Meta.picturePrefix + hash))
                            group.rejected.append(.unreadable(reference.name, reason: "picture \(hash.prefix(12)): \(error)"))
                            group.wantedPictures.append(change.key)
                        }
                    }
                }
                group.batches.append(PreparedBatch(changes: changes, prepared: PreparedGenerations(changes, syncedColumns: layout.syncedColumns),
                                                   device: envelope.header.device.rawValue, sequence: Int64(envelope.header.sequence)))
                groupSize += changes.count
            }
            return group
        }
    }
}
