import Foundation

/// What a model path is, judged from its contents (never by loading it).
public enum ModelFileKind: Sendable, Equatable {
    /// A diffusers folder (holds `model_index.json`).
    case diffusersFolder
    /// A safetensors file in the original (CompVis/SD) single-file layout (`model.diffusion_model.*` tensors).
    case singleFileCheckpoint
    /// A `.ckpt`/`.pt`/`.pth`/`.bin` Python pickle (raw or in a zip), which the engine refuses to open.
    case pickle
    /// Anything else: a missing path, another safetensors file (such as a LoRA), or an unknown format.
    case unknown

    /// The extensions a pickled PyTorch file comes with.
    static let pickleExtensions: Set<String> = ["ckpt", "pt", "pth", "bin"]

    /// Classifies `url` by reading at most its first bytes and, for safetensors, its header.
    public static func detect(_ url: URL) -> ModelFileKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return .unknown }
        if isDirectory.boolValue {
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("model_index.json").path)
                ? .diffusersFolder : .unknown
        }
        if isPickle(url) { return .pickle }
        guard let file = try? SafeTensorsFile(url: url) else { return .unknown }
        return file.entries.keys.contains { $0.hasPrefix(SingleFileCheckpoint.unetPrefix) } ? .singleFileCheckpoint : .unknown
    }

    /// True when `url` has a pickle extension and starts like a pickle (protocol 2+ opcode) or a zip archive
    /// (`torch.save`'s format since 1.6).
    static func isPickle(_ url: URL) -> Bool {
        guard pickleExtensions.contains(url.pathExtension.lowercased()),
              let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4), head.count >= 2 else { return false }
        let bytes = [UInt8](head)
        if bytes[0] == 0x80, (2...5).contains(bytes[1]) { return true }
        return bytes.count == 4 && bytes == [0x50, 0x4B, 0x03, 0x04]
    }
}
