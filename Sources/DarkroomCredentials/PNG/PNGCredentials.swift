import Crypto
import DarkroomImaging
import Foundation

/// Content Credentials in PNG files: a C2PA manifest store in a `caBX` chunk right after `IHDR`,
/// bound to every other byte of the file by a `c2pa.hash.data` assertion that excludes the chunk.
public enum PNGCredentials {
    /// The chunk type C2PA assigns to the manifest store in PNG.
    public static let chunkType = "caBX"

    /// `png` with a manifest store made from `definition` and signed by `identity`; any manifest
    /// store the file held is removed first (the new manifest replaces it).
    ///
    /// - Throws: ``CredentialsError/notEmbeddable(reason:)`` for a file that is not a well-formed PNG,
    ///   or a signing error.
    public static func sign(_ png: [UInt8], definition: ManifestDefinition, identity: SigningIdentity) throws -> [UInt8] {
        let base = try removingManifest(from: png)
        let chunks = try locations(base)
        guard let header = chunks.first, header.type == "IHDR" else {
            throw CredentialsError.notEmbeddable(reason: "the first chunk is not IHDR")
        }
        let insertAt = header.range.upperBound
        let fileHash = Array(SHA256.hash(data: base))
        let builder = ManifestBuilder(definition: definition, identity: identity)
        var chunkLength = 0
        for _ in 0..<4 {
            let sized = try builder.store(exclusion: insertAt..<(insertAt + chunkLength), fileHash: fileHash, sign: false).count + 12
            if sized == chunkLength { break }
            chunkLength = sized
        }
        let store = try builder.store(exclusion: insertAt..<(insertAt + chunkLength), fileHash: fileHash, sign: true)
        guard store.count + 12 == chunkLength else { throw CredentialsError.layoutDidNotConverge }
        var output: [UInt8] = []
        output.reserveCapacity(base.count + chunkLength)
        output += base[..<insertAt]
        output += PNGCodec.framedChunk(type: chunkType, data: store)
        output += base[insertAt...]
        return output
    }

    /// `png` without its manifest store chunks (every other byte unchanged); `png` itself when it has none.
    public static func removingManifest(from png: [UInt8]) throws -> [UInt8] {
        let manifests = try locations(png).filter { $0.type == chunkType }
        guard !manifests.isEmpty else { return png }
        var output: [UInt8] = []
        output.reserveCapacity(png.count)
        var start = 0
        for chunk in manifests {
            output += png[start..<chunk.range.lowerBound]
            start = chunk.range.upperBound
        }
        output += png[start...]
        return output
    }

    /// The manifest store chunks of `png`: their data and where each lies.
    static func manifestChunks(in png: [UInt8]) throws -> [PNGChunkLocation] {
        try locations(png).filter { $0.type == chunkType }
    }

    private static func locations(_ png: [UInt8]) throws -> [PNGChunkLocation] {
        do { return try PNGCodec.chunkLocations(in: png) } catch {
            throw CredentialsError.notEmbeddable(reason: "\(error)")
        }
    }
}
