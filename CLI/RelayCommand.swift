import ArgumentParser

/// `darkroom relay …`: run the sync relay server.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a sync relay: an HTTP server that stores only encrypted objects (docs/relay.md).",
        subcommands: [RelayServeCommand.self])
}
