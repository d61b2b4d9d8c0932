import DarkroomImaging
import Foundation

/// Runs the built `darkroom` executable as a separate process, as a person or script would.
struct CLIHarness {
    /// The library folder every call uses (through --library).
    let library: URL
    /// A scratch folder for inputs and outputs, removed by ``cleanup()``.
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        library = scratch.appendingPathComponent("library")
    }

    func cleanup() { try? FileManager.default.removeItem(at: scratch) }

    /// The result of one run.
    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    /// The `darkroom` binary beside the test bundle (both are in the build products folder).
    static let executable: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("darkroom")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/darkroom")
    }()

    /// The `darkroom-relay` binary beside `darkroom`.
    static let relayExecutable = executable.deletingLastPathComponent().appendingPathComponent("darkroom-relay")

    /// Runs `darkroom ARGS --library LIBRARY` (the library option is added unless `withLibrary` is false).
    @discardableResult
    func run(_ arguments: [String], withLibrary: Bool = true, environment: [String: String] = [:],
             shellPrefix: String? = nil) throws -> Result {
        let process = Process()
        var args = arguments
        if withLibrary { args += ["--library", library.path] }
        if let shellPrefix {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            let quoted = ([Self.executable.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            process.arguments = ["-c", "\(shellPrefix); exec \(quoted.joined(separator: " "))"]
        } else {
            process.executableURL = Self.executable
            process.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        env["DARKROOM_LIBRARY"] = nil
        env["COLUMNS"] = "200"
        env["DARKROOM_KEY_DIR"] = scratch.appendingPathComponent("keys").path   // signing keys stay in the scratch folder
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = scratch
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(code: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Writes a PNG made of a deterministic pattern (optionally with text chunks) into the scratch folder.
    @discardableResult
    func writePNG(_ name: String, seed: Int, size: Int = 16, noise: Bool = false, chunks: [PNGTextChunk] = []) throws -> URL {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        for i in pixels.indices {
            if noise {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                pixels[i] = UInt8(truncatingIfNeeded: state >> 33)
            } else {
                pixels[i] = UInt8(truncatingIfNeeded: i &* (seed + 3))
            }
        }
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGCodec.encode(PixelImage(width: size, height: size, channels: 3, pixels: pixels), textChunks: chunks).write(to: url)
        return url
    }

    /// `list --json --include-flagged` decoded (the safety detector may flag synthetic test patterns).
    func listJSON(_ extra: [String] = []) throws -> [[String: Any]] {
        let result = try run(["list", "--json", "--limit", "1000", "--include-flagged"] + extra)
        guard result.code == 0 else { throw CLIHarnessError.failed(result.stderr) }
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }
}

enum CLIHarnessError: Error { case failed(String) }
