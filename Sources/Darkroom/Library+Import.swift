import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import Foundation

/// The outcome of importing one file.
public enum ImportOutcome: Sendable, Equatable {
    /// A new generation row was created for the picture.
    case imported(path: String, id: GenerationID, metadataSource: String?)
    /// The same picture (same bytes) was already in the library.
    case duplicate(path: String, existingID: GenerationID)
    /// The file could not be imported; nothing was written for it.
    case failed(path: String, error: String)
}

/// What an import did, file by file.
public struct ImportReport: Sendable, Equatable {
    /// One outcome per file considered, in order.
    public var outcomes: [ImportOutcome] = []
    /// Files inside given folders skipped because they are not `.png`.
    public var skippedNonPNG: [String] = []
    /// What imports shortened or left out to keep within ``TextLimits``, file by file (files with nothing to say left out).
    public var textLimitNotes: [ImportTextNotes] = []

    /// Ids of the new rows.
    public var importedIDs: [GenerationID] {
        outcomes.compactMap { if case .imported(_, let id, _) = $0 { return id } else { return nil } }
    }
    /// Number of duplicates found.
    public var duplicateCount: Int { outcomes.filter { if case .duplicate = $0 { return true } else { return false } }.count }
    /// Number of failures.
    public var failureCount: Int { outcomes.filter { if case .failed = $0 { return true } else { return false } }.count }
}

/// What the import of one file shortened or left out to keep within ``TextLimits``.
public struct ImportTextNotes: Sendable, Equatable {
    /// The file.
    public var path: String
    /// What was shortened or left out, in the order it was found.
    public var notes: [TextLimitNote]
}

extension Library {
    /// Imports PNG files, and the `.png` files inside folders (recursively).
    ///
    /// Each picture is stored byte for byte (its metadata chunks kept), with a
    /// generation row filled from whatever metadata it carries — Darkroom's own,
    /// AUTOMATIC1111, ComfyUI, InvokeAI or Draw Things — or none. Importing the
    /// same bytes twice reports a duplicate. A file that fails is reported and
    /// skipped; the others still import. Text is bounded by ``TextLimits`` before anything is stored (see
    /// ``importImage(at:)``); what was shortened or left out is in ``ImportReport/textLimitNotes``.
    ///
    /// - Throws: ``LibraryError/fileNotFound(path:)`` when a given path does not exist (before importing anything).
    public func importImages(at urls: [URL]) async throws -> ImportReport {
        var report = ImportReport()
        var files: [URL] = []
        for url in urls {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw LibraryError.fileNotFound(path: url.path)
            }
            if isDirectory.boolValue {
                let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
                var found: [URL] = []
                while let entry = walker?.nextObject() as? URL {
                    guard (try? entry.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                    if entry.pathExtension.lowercased() == "png" { found.append(entry) } else { report.skippedNonPNG.append(entry.path) }
                }
                files += found.sorted { $0.path < $1.path }
            } else {
                files.append(url)
            }
        }
        for file in files {
            do {
                let (outcome, notes) = try await importImageNoting(at: file)
                report.outcomes.append(outcome)
                if !notes.isEmpty { report.textLimitNotes.append(ImportTextNotes(path: file.path, notes: notes)) }
            } catch let error as StoreError where Self.isFatal(error) {
                throw error
            } catch {
                report.outcomes.append(.failed(path: file.path, error: "\(error)"))
            }
        }
        return report
    }

    /// Disk-full, busy and corruption stop an import; per-file problems do not.
    static func isFatal(_ error: StoreError) -> Bool {
        switch error {
        case .diskFull, .busy, .corruptDatabase, .ioFailure, .lostCommits, .readOnlyLibrary: return true
        default: return false
        }
    }

    /// Imports one PNG file.
    ///
    /// Text is bounded by ``TextLimits`` before anything is stored: text chunks over the limits are left
    /// out (of the metadata and of the library's copy of the picture, whose other bytes are kept as they
    /// are), prompts and other fields are shortened, the stored metadata JSON is bounded. A prompt or other
    /// field that becomes a column and holds a NUL character makes the import fail
    /// (``LibraryError/notAnImage(path:reason:)``): it cannot be stored whole.
    public func importImage(at url: URL) async throws -> ImportOutcome {
        try await importImageNoting(at: url).outcome
    }

    /// ``importImage(at:)``, with what it shortened or left out to keep within ``TextLimits``.
    public func importImageNoting(at url: URL) async throws -> (outcome: ImportOutcome, notes: [TextLimitNote]) {
        let original: Data
        do {
            original = try Data(contentsOf: url)
        } catch {
            throw LibraryError.unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        let decoded: DecodedPNG
        do {
            decoded = try PNGCodec.decode(original)
        } catch {
            throw LibraryError.notAnImage(path: url.path, reason: "\(error)")
        }
        let data = PNGCodec.removingLeftOutText(decoded, from: original)
        var notes = decoded.textLimitNotes
        let hash = ContentHash.sha256Hex(data)
        if let existing = try await existingGeneration(forImage: hash) {
            // The same bytes are in the library; if its file went missing, this copy restores it.
            if !FileManager.default.fileExists(atPath: files.url(ImageFileStore.imagePath(hash: hash)).path) {
                _ = try await storePicture(png: data, pixels: decoded.image, credentials: nil, with: .pictureOnly)
            }
            return (.duplicate(path: url.path, existingID: existing), notes)
        }
        // The same pixels under other bytes (a `--no-prompt` export brought back): the same picture.
        let pixelHash = Self.pixelHash(decoded.image)
        if let same = try await generation(showingPixelHash: pixelHash) {
            return (.duplicate(path: url.path, existingID: same), notes)
        }
        let parsed = GenerationMetadata.parse(textChunks: decoded.textChunks)
        if let field = parsed?.fieldHoldingNUL {
            throw LibraryError.notAnImage(path: url.path, reason: TextLimitViolation.containsNUL(field: field).description)
        }
        let bounded = parsed?.bounded()
        let metadata = bounded?.metadata
        notes += bounded?.notes ?? []
        let storedMetadata = metadata?.boundedStoredJSON()
        notes += storedMetadata?.notes ?? []
        let safety = try await safetyConfiguration()
        let deviceID = info.deviceID
        let image = decoded.image
        // What the file's Content Credentials say, as the person gave it (any tool's, checked here).
        let credentials = Self.stored(await credentials(ofFile: original))
        let now = Date()
        var row = GenerationRecord.make(source: .import, status: .succeeded, now: now)
        row.deviceID = deviceID
        row.width = image.width
        row.height = image.height
        row.startedAt = now
        row.finishedAt = now
        if let metadata { row.apply(metadata, storedJSON: storedMetadata?.json) }
        let outcome: ImportOutcome
        switch try await storePicture(png: data, pixels: image, pixelHash: pixelHash, credentials: credentials,
                                      with: .imported(row, flags: safety.flags(for: image, generationID: row.id))) {
        case .alreadyShown(let existing): outcome = .duplicate(path: url.path, existingID: existing)
        case .imported(let id): outcome = .imported(path: url.path, id: id, metadataSource: row.metadataSource)
        case .stored, .finished: preconditionFailure("an import's commit inserts a row or finds the one showing the picture")
        }
        return (outcome, notes)
    }

    /// The oldest generation showing the picture with this hash, if any.
    func existingGeneration(forImage hash: String) async throws -> GenerationID? {
        try await database.generation(showingImage: hash)
    }
}

extension GenerationRecord {
    /// Copies what a picture's metadata says into the row (prompt, seed, steps, …) and keeps `storedJSON`
    /// (the metadata as JSON, ``GenerationMetadata/boundedStoredJSON()``).
    /// The row's size stays the picture's real size (a file may claim the size it was generated at before upscaling).
    mutating func apply(_ metadata: GenerationMetadata, storedJSON: String?) {
        prompt = metadata.prompt ?? ""
        negativePrompt = metadata.negativePrompt ?? ""
        seed = metadata.seed.map { Int64(bitPattern: $0) }
        steps = metadata.steps
        guidance = metadata.guidance
        scheduler = metadata.scheduler ?? metadata.sampler
        modelID = metadata.modelName
        modelHash = metadata.modelHash
        engineVersion = metadata.engineVersion
        rngKind = metadata.rngKind
        metadataSource = metadata.source.rawValue
        metadataJSON = storedJSON
        // What the tool says the run started from: its strength and LoRAs (A1111 records 10-character LoRA hashes).
        let recorded = GenerationInputs(strength: metadata.denoisingStrength,
                                        loras: metadata.loraHashes.map { GenerationInputs.LoRA(name: $0.name, sha256: $0.hash.lowercased(), scale: 1) })
        inputs = recorded.storedJSON
    }
}

extension GenerationMetadata {
    /// The metadata as compact JSON with sorted keys (what `generation.metadata_json` stores), without the raw chunks.
    var storedJSON: String? {
        var copy = self
        copy.rawChunks = copy.source == .darkroom ? [] : copy.rawChunks
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(copy)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// ``storedJSON`` within ``TextLimits/maxStoredMetadataBytes``: without the raw chunks when it is over,
    /// then also without the extra fields, else none; with what was left out.
    func boundedStoredJSON() -> (json: String?, notes: [TextLimitNote]) {
        func fits(_ json: String?) -> Bool { (json?.utf8.count ?? 0) <= TextLimits.maxStoredMetadataBytes }
        let full = storedJSON
        if fits(full) { return (full, []) }
        var copy = self
        var notes: [TextLimitNote] = []
        if source != .darkroom && !copy.rawChunks.isEmpty {
            copy.rawChunks = []
            notes.append(.rawChunksLeftOut)
            if fits(copy.storedJSON) { return (copy.storedJSON, notes) }
        }
        copy.extra = [:]
        notes.append(.extraLeftOutOfStoredJSON)
        if fits(copy.storedJSON) { return (copy.storedJSON, notes) }
        return (nil, notes + [.storedJSONLeftOut])
    }
}
