import DarkroomImaging
import Foundation

/// Something that looks at generated pixels and scores how likely they break the rules.
///
/// A detector flags; it never alters or deletes the picture. ``SkinToneAreaDetector`` is the shipped one.
public protocol ImageSafetyDetector: Sendable {
    /// Name recorded on each flag.
    var name: String { get }
    /// Version recorded on each flag (bump when the scoring changes).
    var version: String { get }
    /// Scores at or above this flag the picture.
    var threshold: Double { get }
    /// A score in 0…1 for the picture.
    func score(_ image: PixelImage) -> Double
    /// A sentence explaining a flag with this score.
    func reason(score: Double) -> String
}

/// Flags pictures in which skin-coloured pixels cover a large share of the frame.
///
/// Each pixel is converted to YCbCr (ITU-R BT.601) and counted as skin when 77 ≤ Cb ≤ 127 and
/// 133 ≤ Cr ≤ 173 (Chai & Ngan's skin-colour box), its luma is above 40, and its chroma — the distance
/// of (Cb, Cr) from the grey point (128, 128) — is at least ``minimumRelativeChroma`` times its luma.
/// The score is the share of such pixels; the default threshold is 0.55.
///
/// The chroma floor (version 2) is what keeps beige and other near-grey warm tones out: a beige wall
/// (215, 200, 170) sits inside the colour box with a chroma of 0.10 of its luma, every skin tone of the
/// Monk scale from MST-5 to MST-8 and photographed skin from pale to dark sits at 0.11–0.45. Version 1,
/// without the floor, flagged 17% of the shipped model's pictures (docs/safety.md has the measurements).
///
/// Limits, stated plainly: it is a colour heuristic, not a classifier. It flags close-up skin, hands, and
/// large pink, peach, tan or wooden areas (false positives), and misses greyscale, stylised or unusually
/// coloured content and the palest skin swatches (MST-1 to MST-4, as near-grey as beige) — false
/// negatives. It exists so the flagging path — stored flag, hiding, audit, clearing — is real and
/// exercised; a learned classifier can replace it behind the same protocol.
public struct SkinToneAreaDetector: ImageSafetyDetector {
    public let name = "skin-tone-area"
    public let version = "2"
    public var threshold: Double
    /// The smallest chroma, as a share of luma, a skin pixel has (0.11).
    public static let minimumRelativeChroma = 0.11

    /// A detector with the given threshold (default 0.55).
    public init(threshold: Double = 0.55) { self.threshold = threshold }

    public func score(_ image: PixelImage) -> Double {
        let count = image.width * image.height
        guard count > 0, image.channels >= 3, image.pixels.count >= count * image.channels else { return 0 }
        var skin = 0
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<count {
                let base = i * image.channels
                if Self.isSkin(r: Double(p[base]), g: Double(p[base + 1]), b: Double(p[base + 2])) { skin += 1 }
            }
        }
        return Double(skin) / Double(count)
    }

    /// Whether one pixel counts as skin (see the type's description).
    public static func isSkin(r: Double, g: Double, b: Double) -> Bool {
        let y = 0.299 * r + 0.587 * g + 0.114 * b
        let cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
        let cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
        guard y > 40, cb >= 77, cb <= 127, cr >= 133, cr <= 173 else { return false }
        let chroma = ((cb - 128) * (cb - 128) + (cr - 128) * (cr - 128)).squareRoot()
        return chroma >= minimumRelativeChroma * y
    }

    public func reason(score: Double) -> String {
        String(format: "skin-coloured pixels cover %.0f%% of the picture (threshold %.0f%%)", score * 100, threshold * 100)
    }
}
