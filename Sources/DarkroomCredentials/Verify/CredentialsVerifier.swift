import Crypto
import DarkroomImaging
import Foundation
import SwiftASN1
import X509

/// Checks the C2PA manifest store of a PNG file: the claim signature and its certificate chain, every
/// hashed assertion, and the hard binding to the file's bytes. Reads anyone's credentials, not only
/// Darkroom's; what it does not understand it leaves alone.
public struct CredentialsVerifier: Sendable {
    /// The certificates whose holders are trusted signers (the library's own authority, an organisation's root).
    public var trustAnchors: [Certificate]
    /// The time certificates must be valid at.
    public var now: Date

    /// A verifier trusting `trustAnchors`.
    public init(trustAnchors: [Certificate] = [], now: Date = Date()) {
        self.trustAnchors = trustAnchors
        self.now = now
    }

    /// Reads trust anchors from PEM text (any number of certificates); unreadable ones are skipped.
    public static func anchors(fromPEM text: String) -> [Certificate] {
        ((try? PEMDocument.parseMultiple(pemString: text)) ?? []).compactMap { try? Certificate(pemDocument: $0) }
    }

    /// The verdict on `file` (a PNG). A file that is not a PNG, or whose chunks are broken, is `invalid`
    /// when it holds something that looks like a manifest store and `none` otherwise.
    public func verify(_ file: [UInt8]) async -> CredentialsReport {
        let chunks: [PNGChunkLocation]
        do { chunks = try PNGCodec.chunkLocations(in: file) } catch { return .noCredentials }
        let stores = chunks.filter { $0.type == PNGCredentials.chunkType }
        guard let chunk = stores.first else { return .noCredentials }
        var check = ManifestCheck(file: file, chunk: chunk)
        if stores.count > 1 { check.fail("manifest.multipleStores", "the file holds \(stores.count) manifest stores") }
        await check.run(trustAnchors: trustAnchors, now: now)
        return check.report
    }
}
