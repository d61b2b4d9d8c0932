import Foundation

/// What a generation started from besides its prompt: a picture to start from (image-to-image), a mask
/// (inpainting), LoRAs and textual-inversion embeddings, and whether it decoded in tiles. Stored as
/// JSON in the generation row (schema step 0011), so it syncs with the row; nil for plain text-to-image.
///
/// Input pictures are gallery items: a file given as an input is imported first, so the picture is stored
/// content-addressed, syncs with its file and is never swept by `doctor`. A generation records the picture's
/// hash and the item that holds it, and an image-to-image result has that item as its parent.
public struct GenerationInputs: Sendable, Codable, Equatable {
    /// A picture held by the gallery.
    public struct Picture: Sendable, Codable, Equatable {
        /// SHA-256 of the picture file (the `image` row).
        public var hash: String
        /// The gallery item holding it.
        public var generationID: GenerationID

        /// A picture by hash and item.
        public init(hash: String, generationID: GenerationID) {
            self.hash = hash
            self.generationID = generationID
        }

        // `generationId`: what `generation_id` becomes under JSON's snake-case conversion, both ways.
        enum CodingKeys: String, CodingKey { case hash, generationID = "generationId" }
    }

    /// One LoRA applied, as A1111 records it: its name, the SHA-256 of its file and its weight.
    public struct LoRA: Sendable, Codable, Equatable {
        /// The file's name without extension (what `<lora:NAME:…>` names).
        public var name: String
        /// SHA-256 of the file (A1111's `Lora hashes` shows the first 10 characters).
        public var sha256: String
        /// The weight it was applied with.
        public var scale: Double

        /// A LoRA use.
        public init(name: String, sha256: String, scale: Double) {
            self.name = name
            self.sha256 = sha256
            self.scale = scale
        }
    }

    /// One textual-inversion embedding, by the token the prompt names it with.
    public struct Embedding: Sendable, Codable, Equatable {
        /// The token.
        public var name: String
        /// SHA-256 of the file.
        public var sha256: String

        /// An embedding use.
        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// The picture image-to-image or inpainting started from.
    public var initImage: Picture?
    /// The inpainting mask (white = repaint).
    public var mask: Picture?
    /// How far from the starting picture the run went, in (0, 1] (image-to-image and inpainting).
    public var strength: Double?
    /// LoRAs applied, in order.
    public var loras: [LoRA]
    /// Textual-inversion embeddings available to the prompt.
    public var embeddings: [Embedding]
    /// True when the latents were decoded in overlapping tiles (diffusers' `enable_tiling()`, A1111's tiled VAE),
    /// which bounds memory for large pictures and changes pixels slightly; nil for whole decoding.
    public var tiledDecoding: Bool?

    /// Inputs with every field given.
    public init(initImage: Picture? = nil, mask: Picture? = nil, strength: Double? = nil, loras: [LoRA] = [], embeddings: [Embedding] = [],
                tiledDecoding: Bool? = nil) {
        self.tiledDecoding = tiledDecoding
        self.initImage = initImage
        self.mask = mask
        self.strength = strength
        self.loras = loras
        self.embeddings = embeddings
    }

    /// True when nothing is recorded (plain text-to-image).
    public var isEmpty: Bool {
        initImage == nil && mask == nil && strength == nil && loras.isEmpty && embeddings.isEmpty && tiledDecoding == nil
    }

    /// The default strength of image-to-image and inpainting, as diffusers' pipelines and A1111 (0.75).
    public static let defaultStrength = 0.75

    /// The JSON stored in `generation.inputs` (nil when empty).
    public var storedJSON: String? {
        guard !isEmpty, let data = try? Self.encoder.encode(self) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads `generation.inputs`; nil for NULL or text this version cannot read.
    public init?(storedJSON: String?) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let storedJSON, let value = try? decoder.decode(Self.self, from: Data(storedJSON.utf8)) else { return nil }
        self = value
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
