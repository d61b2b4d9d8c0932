import DarkroomStore
import DarkroomCredentials
import Foundation

/// The stable JSON form of a gallery item, printed by `list --json` and `show --json` and written in export sidecars.
///
/// Keys are snake_case and never renamed; new keys may be added. Dates are
/// ISO 8601 in UTC. The schema is documented in `docs/cli.md`.
public struct GalleryItemJSON: Codable, Sendable, Equatable {
    /// The picture part.
    public struct Image: Codable, Sendable, Equatable {
        public var hash: String
        public var path: String
        public var width: Int
        public var height: Int
        public var byteSize: Int
        public var format: String
        public var thumbnail: String?
    }

    public var id: GenerationID
    public var status: String
    public var source: String
    public var prompt: String?
    public var negativePrompt: String?
    /// The seed, unsigned (the store keeps its 64-bit pattern signed).
    public var seed: UInt64?
    public var steps: Int?
    public var guidance: Double?
    public var scheduler: String?
    public var width: Int?
    public var height: Int?
    public var modelId: String?
    public var modelHash: String?
    /// The variation seed, unsigned.
    public var variationSeed: UInt64?
    public var variationStrength: Double?
    public var engineVersion: String?
    public var rngKind: String?
    public var favorite: Bool
    public var rating: Int
    public var tags: [String]
    public var albums: [String]
    public var createdAt: Date
    public var modifiedAt: Date
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int?
    public var trashedAt: Date?
    public var error: String?
    public var parentId: GenerationID?
    public var batchId: String?
    public var batchIndex: Int?
    public var deviceId: String?
    public var metadataSource: String?
    public var flagged: Bool
    public var flaggedBy: [String]
    public var image: Image?
    /// What the run started from besides its prompt (image-to-image, inpainting, LoRAs); null for text-to-image.
    public var inputs: GenerationInputs?
    /// What the picture's Content Credentials said when the library read them (`show --json`; null elsewhere).
    public var credentials: CredentialsReport?

    /// The JSON form of `item`; picture paths are made absolute under `folder`. With `includePrompt` false the
    /// prompt and negative prompt are omitted.
    public init(_ item: GalleryItem, folder: URL, includePrompt: Bool = true) {
        let g = item.generation
        id = g.id; status = g.status.rawValue; source = g.source.rawValue
        prompt = includePrompt ? g.prompt : nil
        negativePrompt = includePrompt ? g.negativePrompt : nil
        seed = g.unsignedSeed; steps = g.steps; guidance = g.guidance; scheduler = g.scheduler
        width = g.width; height = g.height; modelId = g.modelID; modelHash = g.modelHash
        variationSeed = g.unsignedVariationSeed; variationStrength = g.variationStrength
        engineVersion = g.engineVersion; rngKind = g.rngKind; favorite = g.favorite; rating = g.rating
        tags = item.tags; albums = item.albums
        createdAt = g.createdAt; modifiedAt = g.modifiedAt; queuedAt = g.queuedAt
        startedAt = g.startedAt; finishedAt = g.finishedAt; durationMs = g.durationMs; trashedAt = g.trashedAt
        error = g.error; parentId = g.parentID; batchId = g.batchID; batchIndex = g.batchIndex; deviceId = g.deviceID
        metadataSource = g.metadataSource
        inputs = GenerationInputs(storedJSON: g.inputs)
        flagged = item.isFlagged
        flaggedBy = item.flaggedBy
        image = item.image.map {
            Image(hash: $0.hash, path: folder.appendingPathComponent($0.path).path, width: $0.width, height: $0.height,
                  byteSize: $0.byteSize, format: $0.format,
                  thumbnail: $0.thumbnailPath.map { folder.appendingPathComponent($0).path })
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, source, prompt, negativePrompt, seed, steps, guidance, scheduler, width, height, modelId, modelHash, variationSeed, variationStrength, engineVersion, rngKind, favorite, rating, tags, albums, createdAt, modifiedAt, queuedAt, startedAt, finishedAt, durationMs, trashedAt, error, parentId, batchId, batchIndex, deviceId, metadataSource, flagged, flaggedBy, image, credentials, inputs
    }

    /// Encodes every key, absent values as `null`, so the schema is the same for every item.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(source, forKey: .source)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(negativePrompt, forKey: .negativePrompt)
        try container.encode(seed, forKey: .seed)
        try container.encode(steps, forKey: .steps)
        try container.encode(guidance, forKey: .guidance)
        try container.encode(scheduler, forKey: .scheduler)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(modelId, forKey: .modelId)
        try container.encode(modelHash, forKey: .modelHash)
        try container.encode(variationSeed, forKey: .variationSeed)
        try container.encode(variationStrength, forKey: .variationStrength)
        try container.encode(engineVersion, forKey: .engineVersion)
        try container.encode(rngKind, forKey: .rngKind)
        try container.encode(favorite, forKey: .favorite)
        try container.encode(rating, forKey: .rating)
        try container.encode(tags, forKey: .tags)
        try container.encode(albums, forKey: .albums)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(modifiedAt, forKey: .modifiedAt)
        try container.encode(queuedAt, forKey: .queuedAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(trashedAt, forKey: .trashedAt)
        try container.encode(error, forKey: .error)
        try container.encode(parentId, forKey: .parentId)
        try container.encode(batchId, forKey: .batchId)
        try container.encode(batchIndex, forKey: .batchIndex)
        try container.encode(deviceId, forKey: .deviceId)
        try container.encode(metadataSource, forKey: .metadataSource)
        try container.encode(flagged, forKey: .flagged)
        try container.encode(flaggedBy, forKey: .flaggedBy)
        try container.encode(image, forKey: .image)
        try container.encode(credentials, forKey: .credentials)
        try container.encode(inputs, forKey: .inputs)
    }

    /// The encoder used for every JSON output: snake_case keys, sorted, ISO 8601 dates with milliseconds.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(TimestampFormat.iso8601(date))
        }
        return encoder
    }
}

extension GenerationRecord {
    /// The seed as generated (an unsigned 64-bit number); the `seed` column keeps its bit pattern as `Int64`.
    public var unsignedSeed: UInt64? { seed.map { UInt64(bitPattern: $0) } }
    /// The variation seed as generated (unsigned); the column keeps its bit pattern as `Int64`.
    public var unsignedVariationSeed: UInt64? { variationSeed.map { UInt64(bitPattern: $0) } }
}
