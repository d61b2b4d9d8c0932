import ArgumentParser
import Darkroom
import Foundation

/// Options every command takes: which library to use.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The library folder.",
        discussion: "Defaults to $DARKROOM_LIBRARY, else $XDG_DATA_HOME/darkroom/library (~/.local/share/darkroom/library).",
        valueName: "path"))
    var library: String?

    /// The arguments with a `--library PATH` (or `--library=PATH`) given before the command name moved to
    /// the end, so `darkroom --library X list` means `darkroom list --library X`.
    static func movingLibraryOption(_ arguments: [String]) -> [String] {
        var rest = arguments
        var moved: [String] = []
        var index = 0
        while index < rest.count, rest[index].hasPrefix("-") {
            if rest[index] == "--library", index + 1 < rest.count {
                moved += rest[index...index + 1]
                rest.removeSubrange(index...index + 1)
            } else if rest[index].hasPrefix("--library=") {
                moved.append(rest.remove(at: index))
            } else {
                index += 1
            }
        }
        return rest + moved
    }

    /// The library folder chosen by --library, the environment, or the XDG default.
    var libraryURL: URL {
        LibraryLocation.resolve(explicit: library, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the library; `create` makes it when missing (and says so on stderr).
    /// `acceptingLostCommits` opens a library whose log lost commits (for `doctor --rebuild`).
    func open(create: Bool = false, acceptingLostCommits: Bool = false) async throws -> Library {
        let url = libraryURL
        let existed = FileManager.default.fileExists(atPath: url.appendingPathComponent("library.sqlite").path)
        let library = try await Library.open(at: url, create: create, acceptingLostCommits: acceptingLostCommits,
                                               keyDirectory: LibrarySync.cliKeyDirectory)
        if !existed { Console.note("Created a new library at \(url.path)") }
        Console.noteRecovery(library.recovery)
        return library
    }
}
