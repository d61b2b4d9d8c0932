import DarkroomImaging
import DarkroomStore
import Foundation

/// One exported file.
public struct ExportedFile: Sendable, Equatable {
    /// The generation exported.
    public var id: String
    /// Where the picture was written.
    public var picture: URL
    /// Where the JSON sidecar was written, if asked for.
    public var sidecar: URL?
}

extension Library {
    /// Exports pictures with their metadata into `folder`.
    ///
    /// With `includePrompt` the stored file is copied byte for byte (its
    /// metadata chunks intact: originals are never altered). Without it, the
    /// pixels are re-encoded with Darkroom's metadata minus prompt and negative
    /// prompt, and every foreign text chunk dropped. With `sidecar`, a
    /// `NAME.json` beside each picture holds the item's JSON (see
    /// ``GalleryItemJSON``). Generations without a picture are skipped.
    /// Files are named `darkroom-<first 12 characters of the id>.png`. Items hidden by a safety flag are
    /// skipped unless `includeFlagged`.
    public func export(_ items: [GalleryItem], to folder: URL, includePrompt: Bool = true,
                       sidecar: Bool = false, includeFlagged: Bool = false) async throws -> [ExportedFile] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.wrap(error, path: folder.path)
        }
        var exported: [ExportedFile] = []
        for item in items where includeFlagged || !item.isFlagged {
            guard let image = item.image else { continue }
            let source = url(of: image.path)
            guard let stored = try? Data(contentsOf: source) else {
                throw LibraryError.missingImageFile(path: image.path)
            }
            let bytes: Data
            if includePrompt {
                bytes = stored
            } else {
                let decoded = try PNGCodec.decode(stored)
                let metadata = GenerationMetadata(item.generation)
                bytes = try PNGCodec.encode(decoded.image, textChunks: metadata.pngTextChunks(includePrompt: false))
            }
            let name = "darkroom-\(item.id.prefix(12))"
            let target = folder.appendingPathComponent("\(name).png")
            try Self.writeExport(bytes, to: target)
            var file = ExportedFile(id: item.id, picture: target, sidecar: nil)
            if sidecar {
                let json = try GalleryItemJSON.encoder().encode(GalleryItemJSON(item, folder: self.folder, includePrompt: includePrompt))
                let sidecarURL = folder.appendingPathComponent("\(name).json")
                try Self.writeExport(json, to: sidecarURL)
                file.sidecar = sidecarURL
            }
            exported.append(file)
        }
        return exported
    }

    /// The item's picture as a PNG whose bytes depend only on what made it: the pixels and the generation
    /// parameters, model hash, engine version and RNG kind — no ids or times. The same prompt, seed and
    /// settings therefore give a byte-identical file on every run (`generate --output`). The copy in the
    /// library keeps its ids in the metadata (see docs/imaging.md).
    public func reproduciblePNG(_ item: GalleryItem) throws -> Data {
        guard let image = item.image else { throw LibraryError.invalidArgument("\(item.id.prefix(8)) has no picture.") }
        let decoded = try PNGCodec.decode(try Data(contentsOf: url(of: image.path)))
        var metadata = GenerationMetadata(item.generation)
        metadata.generationID = nil
        metadata.batchID = nil
        metadata.parentID = nil
        return try PNGCodec.encode(decoded.image, textChunks: metadata.pngTextChunks(includePrompt: true))
    }

    /// Writes `data` to `url` atomically (temp file then rename), mapping a full disk to ``StoreError/diskFull(detail:)``.
    public static func writeExport(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw StoreError.wrap(error, path: url.path)
        }
    }
}

extension GenerationMetadata {
    /// The metadata Darkroom writes for a generation row.
    public init(_ g: GenerationRecord) {
        self.init(source: .darkroom, prompt: g.prompt, negativePrompt: g.negativePrompt,
                  seed: g.seed.map { UInt64(bitPattern: $0) }, steps: g.steps, guidance: g.guidance,
                  sampler: g.scheduler.flatMap { SamplerNames.a1111Name(forSchedulerKind: $0) } ?? g.scheduler,
                  scheduler: g.scheduler, width: g.width, height: g.height, modelName: g.modelID, modelHash: g.modelHash,
                  engineVersion: g.engineVersion, rngKind: g.rngKind, generationID: g.id, imageID: nil,
                  batchID: g.batchID, parentID: g.parentID)
    }
}
