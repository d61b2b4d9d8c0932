import DarkroomCredentials
import DarkroomImaging
import DarkroomStore
import Foundation

/// One exported file.
public struct ExportedFile: Sendable, Equatable {
    /// The generation exported.
    public var id: GenerationID
    /// Where the picture was written.
    public var picture: URL
    /// Where the JSON sidecar was written, if asked for.
    public var sidecar: URL?
    /// True when the folder already held this very file (and sidecar) under this name: nothing was written.
    public var alreadyThere = false
}

extension Library {
    /// Exports pictures with their metadata into `folder`.
    ///
    /// With `includePrompt` the stored file is copied byte for byte (its metadata chunks intact: originals
    /// are never altered). Without it, the pixels are re-encoded with the metadata minus prompt and negative
    /// prompt (``promptFreeTextChunks(for:stored:)``: the original tool's settings for an imported picture,
    /// Darkroom's for one made here). With `sidecar`, a `NAME.json` beside each picture holds the item's JSON
    /// (see ``GalleryItemJSON``). Generations without a picture are skipped. Items hidden by a safety flag are
    /// skipped unless `includeFlagged`.
    ///
    /// Files are named `darkroom-<first 12 characters of the id>.png`. A file already there is never
    /// replaced unless `overwrite`: when it holds the same bytes (and the same sidecar) nothing is written
    /// (``ExportedFile/alreadyThere``); otherwise the export takes the next free name, `…-2.png`, `…-3.png`.
    ///
    /// Content Credentials: a copy keeps the stored file's manifest. A `--no-prompt` copy of a picture made here is
    /// signed anew (the prompt-free file, a manifest without the prompt); one of an imported picture that carried
    /// credentials gets a Darkroom manifest naming the original as its parent (`c2pa.opened`, `c2pa.edited`), so no
    /// stale, broken manifest is ever written. With `credentials: false` the file carries no manifest at all.
    public func export(_ items: [GalleryItem], to folder: URL, includePrompt: Bool = true,
                       sidecar: Bool = false, includeFlagged: Bool = false, overwrite: Bool = false,
                       credentials: Bool = true) async throws -> [ExportedFile] {
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
            var bytes: Data
            if includePrompt {
                bytes = stored
            } else {
                let decoded = try PNGCodec.decode(stored)
                bytes = try PNGCodec.encode(decoded.image, textChunks: Self.promptFreeTextChunks(for: item.generation, stored: decoded))
                try await recordPixelHash(of: decoded.image, forImage: image.hash)
                if credentials { bytes = try await resignedWithoutPrompt(bytes, item: item, original: stored) }
            }
            if !credentials { bytes = Data(try PNGCredentials.removingManifest(from: [UInt8](bytes))) }
            let json = try sidecar
                ? GalleryItemJSON.encoder().encode(GalleryItemJSON(item, folder: self.folder, includePrompt: includePrompt)) : nil
            let (name, same) = Self.exportName(base: "darkroom-\(item.id.rawValue.prefix(12))", in: folder, picture: bytes, sidecar: json,
                                               overwrite: overwrite)
            let target = folder.appendingPathComponent("\(name).png")
            var file = ExportedFile(id: item.id, picture: target, sidecar: nil, alreadyThere: same)
            if !same { try Self.writeExport(bytes, to: target) }
            if let json {
                let sidecarURL = folder.appendingPathComponent("\(name).json")
                if !same { try Self.writeExport(json, to: sidecarURL) }
                file.sidecar = sidecarURL
            }
            exported.append(file)
        }
        return exported
    }

    /// The name (without extension) to export under: `base` when it is free, holds the same bytes, or
    /// `overwrite`; else the first of `base-2`, `base-3`, … that is free or the same. `same` is true when
    /// the files there already hold `picture` (and `sidecar`).
    static func exportName(base: String, in folder: URL, picture: Data, sidecar: Data?, overwrite: Bool) -> (name: String, same: Bool) {
        func contents(_ name: String, _ ext: String) -> Data? {
            try? Data(contentsOf: folder.appendingPathComponent("\(name).\(ext)"))
        }
        for index in 1... {
            let name = index == 1 ? base : "\(base)-\(index)"
            let existingPicture = contents(name, "png"), existingSidecar = sidecar == nil ? nil : contents(name, "json")
            if existingPicture == nil && existingSidecar == nil { return (name, false) }
            if existingPicture == picture && existingSidecar == sidecar { return (name, true) }
            if overwrite { return (name, false) }
        }
        fatalError("unreachable")
    }

    /// The text chunks of a `--no-prompt` export: nothing that holds the prompt or negative prompt, and the
    /// settings as the tool that made the picture wrote them.
    ///
    /// - Made here (or imported from Darkroom): Darkroom's `parameters` and JSON chunks, prompts left out.
    /// - From AUTOMATIC1111: the `parameters` chunk's settings line as it was (its `Version`, hires and
    ///   extension fields kept), the prompt lines left out.
    /// - From another tool: one `parameters` chunk in A1111's format with the tool's values (its own
    ///   version, never relabelled as Darkroom's); its own chunks hold the prompt and are left out.
    public static func promptFreeTextChunks(for generation: GenerationRecord, stored: DecodedPNG) -> [PNGTextChunk] {
        guard generation.source == .import, let metadata = GenerationMetadata.parse(textChunks: stored.textChunks),
              metadata.source != .darkroom else {
            return GenerationMetadata(generation).pngTextChunks(includePrompt: false)
        }
        if metadata.source == .automatic1111, let text = stored.textChunks.first(where: { $0.keyword == "parameters" })?.text {
            let settingsLine = text.split(whereSeparator: \.isNewline).last.map(String.init)
            let hasSettings = metadata.steps != nil || metadata.seed != nil || metadata.sampler != nil
            return hasSettings ? settingsLine.map { [PNGTextChunk(keyword: "parameters", text: $0)] } ?? [] : []
        }
        var written = metadata
        written.prompt = nil
        written.negativePrompt = nil
        let parameters = written.a1111Parameters
        return parameters.isEmpty ? [] : [PNGTextChunk(keyword: "parameters", text: parameters)]
    }

    /// The item's picture as a PNG whose bytes depend only on what made it: the pixels and the generation
    /// parameters, model hash, engine version and RNG kind — no ids or times. The same prompt, seed and
    /// settings therefore give the same file on every run (`generate --output`), byte for byte but for its signed
    /// Content Credentials (a fresh ECDSA signature each time). The copy in the library keeps its ids in the
    /// metadata (see docs/imaging.md).
    public func reproduciblePNG(_ item: GalleryItem) async throws -> Data {
        guard let image = item.image else { throw LibraryError.invalidArgument("\(item.id.prefix(8)) has no picture.") }
        let decoded = try PNGCodec.decode(try Data(contentsOf: url(of: image.path)))
        var metadata = GenerationMetadata(item.generation)
        metadata.generationID = nil
        metadata.batchID = nil
        metadata.parentID = nil
        let png = try PNGCodec.encode(decoded.image, textChunks: metadata.pngTextChunks(includePrompt: true))
        return try await signedPicture(png, for: item.generation, includePrompt: try await credentialsConfiguration().includePrompt)
    }

    /// A `--no-prompt` export's re-encoded `png`, signed: a picture made here gets its own manifest again (without
    /// the prompt); an imported one whose `original` file carried credentials gets Darkroom's manifest naming that
    /// file as its parent; one that carried none stays unsigned (Darkroom does not vouch for what it did not make).
    func resignedWithoutPrompt(_ png: Data, item: GalleryItem, original: Data) async throws -> Data {
        if item.generation.source != .import { return try await signedPicture(png, for: item.generation, includePrompt: false) }
        let before = await credentials(ofFile: original)
        guard before.state != .none else { return png }
        let parent = ManifestIngredient(title: before.title ?? "darkroom-\(item.id.rawValue.prefix(12)).png", relationship: ManifestIngredient.parentOf,
                                        instanceID: "darkroom:image:\(item.image?.hash ?? "")")
        let definition = ManifestDefinition(generator: DarkroomSoftware.info, title: "darkroom-\(item.id.rawValue.prefix(12)).png", actions: [
            ManifestAction(action: ManifestAction.opened, softwareAgent: DarkroomSoftware.info, ingredients: [0]),
            ManifestAction(action: ManifestAction.edited, softwareAgent: DarkroomSoftware.info,
                           description: "Removed the prompt from the file's metadata"),
        ], ingredients: [parent])
        return Data(try PNGCredentials.sign([UInt8](png), definition: definition, identity: try await credentialsSigner()))
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
                  engineVersion: g.engineVersion, rngKind: g.rngKind, generationID: g.id.rawValue, imageID: nil,
                  batchID: g.batchID, parentID: g.parentID?.rawValue)
        let inputs = GenerationInputs(storedJSON: g.inputs)
        denoisingStrength = inputs?.initImage == nil ? nil : inputs?.strength
        loraHashes = inputs?.loras.map { LoRAHash(name: $0.name, hash: String($0.sha256.prefix(10))) } ?? []
    }
}
