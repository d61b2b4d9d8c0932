import Darkroom
import Foundation

/// What `generate` says, before anything runs, about a request the model cannot draw as asked: the words
/// of the model card's verdicts (``ModelCard``).
enum ModelAdvice {
    /// The model card of `folder`, with a load problem as a generator error (exit 9).
    static func card(of folder: URL) throws -> ModelCard {
        do {
            return try ModelCard.load(modelDirectory: folder)
        } catch {
            throw LibraryError.generatorUnavailable("the model in \(folder.path) cannot be loaded: \(error)")
        }
    }

    /// Refuses a size that is not a multiple of the model's size step, and (unless `anySize`) a size far
    /// from a declared native size; returns the warnings to print for the rest.
    ///
    /// - Throws: ``CLIFailure`` with exit code 11 (no job is recorded).
    static func check(_ request: GenerationRequest, card: ModelCard, anySize: Bool) throws -> [String] {
        var warnings: [String] = []
        let size = "\(request.width)x\(request.height)"
        let native = "\(card.nativeWidth)x\(card.nativeHeight)"
        switch card.verdict(width: request.width, height: request.height) {
        case .native, .nearNative:
            break
        case .notAMultiple(let step):
            throw CLIFailure(code: .invalidValue, message: """
                error: \(card.name) draws sizes whose width and height are multiples of \(step) (native \(native)); \
                \(size) is not. Try \(rounded(request.width, step))x\(rounded(request.height, step)).
                """)
        case .farFromNative(let factor):
            let reach = String(format: "%g", factor)
            if card.declaresNativeSize && !anySize {
                throw CLIFailure(code: .invalidValue, message: """
                    error: \(card.name) was trained at \(native); \(size) is more than \(reach)x away from it on a side, \
                    where it draws repeated or broken shapes, slowly. Use a size from \(limits(card)), or add --any-size to make it anyway.
                    """)
            }
            warnings.append("""
                warning: \(card.name) was made for \(native)\(card.declaresNativeSize ? "" : " (diffusers' default for its UNet)"); \
                \(size) is more than \(reach)x away from it on a side: expect repeated or broken content and a long run.
                """)
        }
        let unknown = card.unknownWords(in: request.prompt)
        if !unknown.isEmpty {
            let listed = unknown.prefix(8).map { "\"\($0)\"" }.joined(separator: ", ") + (unknown.count > 8 ? ", …" : "")
            warnings.append("""
                warning: \(card.name) does not know \(listed); \(unknown.count == 1 ? "it is" : "they are") ignored or drawn as noise. \
                It draws \(card.summary ?? "what its training captions described")\(card.file.map { " (model card: \($0.path))" } ?? "").
                """)
        }
        let negativeUnknown = card.unknownWords(in: request.negativePrompt)
        if !negativeUnknown.isEmpty {
            warnings.append("warning: the negative prompt's \(negativeUnknown.prefix(8).map { "\"\($0)\"" }.joined(separator: ", ")) "
                            + "\(negativeUnknown.count == 1 ? "is" : "are") unknown to \(card.name).")
        }
        return warnings
    }

    /// `a`x`b` sizes near native, in words: `32x32 to 128x128 in steps of 16`.
    static func limits(_ card: ModelCard) -> String {
        func side(_ native: Int, _ factor: Double) -> Int { max(card.sizeStep, Int(Double(native) * factor) / card.sizeStep * card.sizeStep) }
        let low = "\(side(card.nativeWidth, 1 / card.maximumSizeFactor))x\(side(card.nativeHeight, 1 / card.maximumSizeFactor))"
        let high = "\(side(card.nativeWidth, card.maximumSizeFactor))x\(side(card.nativeHeight, card.maximumSizeFactor))"
        return "\(low) to \(high) in steps of \(card.sizeStep)"
    }

    /// The nearest positive multiple of `step`.
    static func rounded(_ value: Int, _ step: Int) -> Int { max(step, Int((Double(value) / Double(step)).rounded()) * step) }
}
