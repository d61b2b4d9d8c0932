import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import DarkroomSync
import Foundation

/// Pictures that travel by sync: downloaded with their envelopes (eager), or later on demand (lazy,
/// and any picture whose blob could not be used), each checked against its hash.
extension LibrarySync {
    /// Downloads a picture, checks it against its hash, and stores it with its thumbnail.
    func downloadPicture(_ reference: BlobReference, transport: any SyncTransport) async throws {
        let png = try await BlobSealer.download(reference, from: transport)
        let decoded = try PNGCodec.decode(png)
        try await library.storeSyncedPicture(png: png, pixels: decoded.image)
    }

    /// Pictures of this library not downloaded yet (lazy mode), by hash.
    public func pendingPictures() async throws -> [String] {
        try await database.readSync { db in
            try db.metaKeys(prefix: Meta.picturePrefix).map { String($0.dropFirst(Meta.picturePrefix.count)) }
        }
    }

    /// Downloads pictures not downloaded yet: those with the given hashes, or all. Returns how
    /// many were fetched. `sync run` calls it for all of them in eager mode; `show`, `export`
    /// and `sync fetch` for the ones they need.
    @discardableResult
    public func fetchPictures(_ hashes: [String]? = nil) async throws -> Int {
        try await fetchPendingPictures(hashes, unusable: nil)
    }

    /// The pictures of `items` that came by sync without their file (lazy mode) and are still to be
    /// downloaded, by hash: what a view downloads (``fetchPictures(_:)``) before it shows them.
    public func picturesToFetch(for items: [GalleryItem]) async throws -> [String] {
        let missing = items.compactMap(\.image).filter { !FileManager.default.fileExists(atPath: library.files.url($0.path).path) }
        guard !missing.isEmpty else { return [] }
        let pending = Set(try await pendingPictures())
        return missing.map(\.hash).filter(pending.contains)
    }

    /// Whether a picture download failed for the picture's own sake (damaged, swapped or missing
    /// blob, not a PNG), rather than the transport's.
    static func isUnusablePicture(_ error: any Error) -> Bool {
        switch error {
        case is SyncError, is CryptoError, is PNGError: return true
        case TransportError.notFound: return true
        default: return false
        }
    }

    /// ``fetchPictures(_:)``; with `unusable`, a picture that cannot be used is reported there and
    /// stays pending instead of ending the fetch.
    func fetchPendingPictures(_ hashes: [String]?, unusable: ((Detection) -> Void)?) async throws -> Int {
        let wanted = try await pendingPictures().filter { hashes?.contains($0) ?? true }
        guard !wanted.isEmpty else { return 0 }
        let (identity, keyring) = try await loadMember()
        let transport = try await openTransport(keyring: keyring, identity: identity)
        let deviceKey = try loadDeviceKey()
        var fetched = 0
        for hash in wanted {
            guard let sealed = try await database.readSync({ db in try db.meta(Meta.picturePrefix + hash) }) else { continue }
            let reference = try JSONDecoder().decode(BlobReference.self, from: try KeyringFile.open(sealed, deviceKey: deviceKey))
            do {
                try await downloadPicture(reference, transport: transport)   // stores its thumbnail path too
            } catch where unusable != nil && Self.isUnusablePicture(error) {
                unusable?(.unreadable(reference.name, reason: "picture \(hash.prefix(12)): \(error)"))
                continue
            }
            try await database.writeSync { db in try db.setMeta(Meta.picturePrefix + hash, nil) }
            fetched += 1
        }
        return fetched
    }

    /// The blob of picture `hash` for a push: the one an earlier run uploaded when the transport
    /// still has it, else a new upload. Each upload is recorded (its reference sealed under the
    /// device key) before it is put, so a run that fails after uploading — a
    /// relay that rate-limits, a killed process — reuses it instead of leaving it behind and
    /// uploading the picture again. Returns the reference and whether it was uploaded now.
    func pictureBlob(hash: String, transport: any SyncTransport) async throws -> (BlobReference, uploaded: Bool) {
        let key = Meta.uploadedPrefix + hash
        let deviceKey = try loadDeviceKey()
        if let sealed = try await database.readSync({ db in try db.meta(key) }),
           let opened = try? KeyringFile.open(sealed, deviceKey: deviceKey),
           let reference = try? JSONDecoder().decode(BlobReference.self, from: opened),
           reference.plaintextSHA256 == hash, try await transport.contains(reference.name) {
            return (reference, false)
        }
        // Sealed first, recorded, then put: a run killed between record and put leaves a record of
        // a blob the transport never got, which the next run replaces (nothing left behind).
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let reference = try BlobSealer.seal(fileAt: library.files.url(ImageFileStore.imagePath(hash: hash)), to: temporary,
                                            plaintextSHA256: hash)
        let sealed = KeyringFile.seal(try JSONEncoder().encode(reference), deviceKey: deviceKey)
        try await database.writeSync { db in try db.setMeta(key, sealed) }
        try await transport.put(try Data(contentsOf: temporary), name: reference.name)
        return (reference, true)
    }
}
