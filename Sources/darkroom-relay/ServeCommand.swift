import ArgumentParser
import DarkroomRelay
import Foundation
import Logging

/// `darkroom-relay serve`: serves the relay API until SIGTERM or Ctrl-C, then finishes the
/// requests in flight.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the relay API until SIGTERM or Ctrl-C.",
        discussion: """
            Several processes can serve one PostgreSQL database (each on its own port, behind \
            a load balancer); a SQLite file is for one process. Logs go to stderr; \
            LOG_LEVEL=debug logs every request.
            """)

    @Option(help: "The port to listen on.")
    var port: Int = 8080

    @Option(help: "The address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
    var host: String = "127.0.0.1"

    @Option(help: "Where to keep the data: sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
    var storage: String = "sqlite:relay.sqlite"

    @Option(help: "Largest envelope or other non-blob object, in bytes.")
    var maxObjectBytes: Int?

    @Option(help: "Largest blob upload part (and single-request blob), in bytes.")
    var maxPartBytes: Int?

    @Option(help: ArgumentHelp("Requests per second each device may make (default 100).",
                               discussion: "Past the burst, a device gets 429 with Retry-After; Darkroom clients wait and go on."))
    var rate: Double?

    @Option(help: "Requests a device may make at once before --rate applies (default 1000).")
    var burst: Double?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let location: RelayStorageLocation
        do { location = try RelayStorageLocation(parsing: storage) } catch { throw ValidationError("\(error)") }
        let logger = Logger(label: "darkroom.relay")
        var configuration = RelayConfiguration()
        if let maxObjectBytes { configuration.maxObjectBytes = maxObjectBytes }
        if let maxPartBytes { configuration.maxPartBytes = maxPartBytes }
        guard (rate ?? 1) > 0, (burst ?? 1) >= 1 else { throw ValidationError("--rate must be above 0 and --burst at least 1.") }
        if rate != nil || burst != nil {
            configuration.deviceRateLimit = .init(ratePerSecond: rate ?? configuration.deviceRateLimit.ratePerSecond,
                                                  burst: burst ?? configuration.deviceRateLimit.burst)
        }
        let server = RelayServer(storage: try location.open(logger: logger), configuration: configuration, logger: logger)
        let host = self.host
        try await server.run(host: host, port: port) { bound in
            logger.info("relay listening", metadata: ["address": "http://\(host):\(bound)", "storage": "\(location)"])
        }
    }
}
