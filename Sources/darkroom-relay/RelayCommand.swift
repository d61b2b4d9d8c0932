import ArgumentParser

/// `darkroom-relay`: the sync relay, a program of its own so that building `darkroom` (or an app)
/// compiles no server stack. `darkroom-relay serve` runs it; `serve` is also the default.
@main
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom-relay",
        abstract: "Run a Darkroom sync relay: an HTTP server that stores only encrypted objects (docs/relay.md).",
        discussion: """
            Devices reach it with `darkroom sync init --transport http://HOST:PORT`. It sees ciphertext, \
            object names and sizes, and which device signed each request, never a picture or a prompt.
            """,
        version: "0.1.0",
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self)
}
