import DarkroomImaging
import DarkroomStore
import Foundation

/// Where an input picture (image-to-image, inpainting mask) comes from.
public enum InputPictureSource: Sendable, Equatable {
    /// A PNG file: imported into the gallery first (or found there, when the same bytes are in the library).
    case file(URL)
    /// A gallery item, by its full id.
    case item(GenerationID)
}

extension Library {
    /// The gallery picture an input stands for: a file is imported (a new item, or the item already holding the same
    /// picture); an item is used as it is.
    ///
    /// - Throws: the import's errors for a file (``LibraryError/fileNotFound(path:)``, ``LibraryError/notAnImage(path:reason:)``),
    ///   ``LibraryError/invalidArgument(_:)`` for an item without a picture.
    public func inputPicture(_ source: InputPictureSource) async throws -> GenerationInputs.Picture {
        let id: GenerationID
        switch source {
        case .file(let url):
            guard FileManager.default.fileExists(atPath: url.path) else { throw LibraryError.fileNotFound(path: url.path) }
            switch try await importImage(at: url) {
            case .imported(_, let newID, _): id = newID
            case .duplicate(_, let existingID): id = existingID
            case .failed(let path, let error): throw LibraryError.notAnImage(path: path, reason: error)
            }
        case .item(let itemID):
            id = itemID
        }
        let item = try await item(id)
        guard let image = item.image else { throw LibraryError.invalidArgument("\(item.id.prefix(8)) has no picture to start from.") }
        return GenerationInputs.Picture(hash: image.hash, generationID: item.id)
    }

    /// The input pictures of `inputs`, decoded and brought to `width` x `height` (area averaging when a picture has
    /// another size). A picture synced without its file is fetched first by the caller (`LibrarySync.fetchPictures`).
    ///
    /// - Throws: ``LibraryError/missingImageFile(path:)`` when a recorded input's file is not in the library.
    public func inputPixels(for inputs: GenerationInputs?, width: Int, height: Int) async throws -> GenerationRequest.InputPixels? {
        guard let inputs, inputs.initImage != nil || inputs.mask != nil else { return nil }
        func load(_ picture: GenerationInputs.Picture?) throws -> PixelImage? {
            guard let picture else { return nil }
            let path = ImageFileStore.imagePath(hash: picture.hash)
            guard let data = try? Data(contentsOf: url(of: path)) else { throw LibraryError.missingImageFile(path: path) }
            do {
                return try PNGCodec.decode(data).image.resized(width: width, height: height)
            } catch {
                throw LibraryError.notAnImage(path: path, reason: "\(error)")
            }
        }
        return GenerationRequest.InputPixels(initImage: try load(inputs.initImage), mask: try load(inputs.mask))
    }

    /// `request` with its input pictures decoded (``GenerationRequest/inputPixels``), as a generator needs them.
    func withInputPixels(_ request: GenerationRequest) async throws -> GenerationRequest {
        var request = request
        request.inputPixels = try await inputPixels(for: request.inputs, width: request.width, height: request.height)
        return request
    }

    /// The hashes of every picture some generation uses as an input (kept by `doctor`, fetched before a rerun).
    public func inputPictureHashes(of generation: GenerationRecord) -> [String] {
        guard let inputs = GenerationInputs(storedJSON: generation.inputs) else { return [] }
        return [inputs.initImage?.hash, inputs.mask?.hash].compactMap { $0 }
    }
}
