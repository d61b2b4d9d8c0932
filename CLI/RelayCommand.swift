import ArgumentParser
import Foundation

/// `darkroom relay serve …`: kept for scripts written before the relay became its own program; it
/// runs `darkroom-relay` from the same folder with the same arguments (the `darkroom` binary
/// links no server code).
struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a sync relay (the separate darkroom-relay program; docs/relay.md).",
        discussion: """
            The relay is its own program, darkroom-relay, built with `swift build --product darkroom-relay`. \
            `darkroom relay serve ARGS` runs `darkroom-relay serve ARGS` from the folder darkroom is in.
            """)

    @Argument(parsing: .captureForPassthrough, help: "What to pass to darkroom-relay, e.g. serve --port 8080.")
    var arguments: [String] = []

    func run() throws {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let relay = folder.appendingPathComponent("darkroom-relay").path
        guard FileManager.default.isExecutableFile(atPath: relay) else {
            throw CLIFailure(code: .notFound, message: """
                error: the relay is its own program, and \(relay) does not exist. \
                Build it with `swift build --product darkroom-relay` (add -c release for a server).
                """)
        }
        fflush(nil)
        let argv = ([relay] + arguments).map { strdup($0) } + [nil]
        execv(relay, argv)
        throw CLIFailure(code: .internalError, message: "error: could not run \(relay): \(String(cString: strerror(errno)))")
    }
}
