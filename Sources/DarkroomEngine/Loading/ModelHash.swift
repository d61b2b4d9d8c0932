import DarkroomCrypto
import Foundation

/// The hashes generations record to say which model made them.
public enum ModelHash {
    /// A diffusers folder's hash: SHA-256 (lower-case hex) of the text `"<path> <sha256 of file>\n"` for each of
    /// ``DiffusionPipeline/weightFiles`` in order — the weights, not the configs or the tokenizer.
    public static func ofFolder(_ folder: URL) throws -> String {
        var lines = ""
        for file in DiffusionPipeline.weightFiles {
            lines += "\(file) \(try ContentHash.sha256Hex(fileAt: folder.appendingPathComponent(file)))\n"
        }
        return ContentHash.sha256Hex(Array(lines.utf8))
    }

    /// A single file's hash: the SHA-256 of its bytes (lower-case hex), whose first 10 characters are A1111's `Model hash`.
    public static func ofFile(_ file: URL) throws -> String {
        try ContentHash.sha256Hex(fileAt: file)
    }
}
