import DarkroomImaging
import DarkroomStore
import Foundation

/// The outcome of re-running a stored generation and comparing.
public struct VerificationReport: Sendable, Equatable {
    /// The verdict.
    public enum Verdict: Sendable, Equatable {
        /// Same model, same engine, same pixels.
        case identical
        /// Something differs; the first difference found is named.
        case different(String)
    }
    /// The generation verified.
    public var id: GenerationID
    /// The verdict.
    public var verdict: Verdict
    /// Largest per-channel difference between the stored and the re-made pixels (0–255), when both exist.
    public var maxPixelDifference: Int?
    /// Share of channel values that differ at all.
    public var differingShare: Double?
}

extension Library {
    /// Re-runs generation `id` with its stored parameters through `generator` (nothing is stored)
    /// and compares: model hash, then engine version, then RNG kind, then pixels.
    public func verify(_ id: GenerationID, using generator: any ImageGenerator) async throws -> VerificationReport {
        let item = try await item(id)
        let row = item.generation
        guard row.source == .generate, row.status == .succeeded, let image = item.image else {
            throw LibraryError.invalidArgument("Only succeeded generations can be verified; \(row.id.prefix(8)) is a \(row.source == .import ? "import" : row.status.rawValue + " job").")
        }
        var result: GeneratedImage?
        for try await event in generator.generate(try await withInputPixels(try GenerationRequest(row))) {
            if case .completed(let made) = event { result = made }
        }
        guard let result else { throw LibraryError.generatorUnavailable("the generator ended without a picture") }
        let stored = try PNGCodec.decode(try Data(contentsOf: url(of: image.path))).image
        var report = VerificationReport(id: row.id, verdict: .identical)
        if stored.width == result.image.width, stored.height == result.image.height, stored.channels == result.image.channels {
            var maxDiff = 0, differing = 0
            for (a, b) in zip(stored.pixels, result.image.pixels) {
                let d = abs(Int(a) - Int(b))
                if d > 0 { differing += 1; maxDiff = max(maxDiff, d) }
            }
            report.maxPixelDifference = maxDiff
            report.differingShare = Double(differing) / Double(max(1, stored.pixels.count))
        }
        if let hash = row.modelHash, hash != result.modelHash {
            report.verdict = .different("model hash changed: stored \(hash.prefix(12))…, now \(result.modelHash.prefix(12))…")
        } else if let version = row.engineVersion, version != result.engineVersion {
            report.verdict = .different("engine version changed: stored \(version), now \(result.engineVersion)")
        } else if let rng = row.rngKind, rng != result.rngKind {
            report.verdict = .different("random number generator changed: stored \(rng), now \(result.rngKind)")
        } else if report.maxPixelDifference == nil {
            report.verdict = .different("picture size changed: stored \(stored.width)x\(stored.height), now \(result.image.width)x\(result.image.height)")
        } else if let diff = report.maxPixelDifference, diff > 0 {
            report.verdict = .different(String(format: "pixels differ: %.2f%% of values, by up to %d/255", (report.differingShare ?? 0) * 100, diff))
        }
        return report
    }

    /// Marks a queued job failed with `reason` (e.g. its model cannot be loaded any more).
    public func failQueued(_ id: GenerationID, reason: String) async throws {
        try await database.failQueuedJob(id, reason: reason)
    }
}
