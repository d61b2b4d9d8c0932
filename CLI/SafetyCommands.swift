import ArgumentParser
import Darkroom
import Foundation

struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "List pictures hidden by the safety policy, and refused prompts.",
        discussion: """
            A flag hides a picture from `list`, previews and export without deleting it; `darkroom unflag ID`
            clears it (recorded with who cleared it). See docs/safety.md for the policy and its limits.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also list cleared flags.") var all = false
    @Flag(help: "Also list refused prompts and policy switches.") var events = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let library = try await global.open()
        let flags = try await library.flags(includeCleared: all)
        if json {
            try Console.printJSON(flags.map(FlagJSON.init))
            return
        }
        if flags.isEmpty { Console.note(all ? "No safety flags." : "No active safety flags.") }
        else {
            Console.print(Console.table(["ID", "DETECTOR", "SCORE", "STATE", "REASON"], flags.map { flag in
                [String(flag.generationID.prefix(8)), "\(flag.detector) v\(flag.detectorVersion)", String(format: "%.2f", flag.score),
                 flag.clearedAt == nil ? "hidden" : "cleared by \(flag.clearedBy ?? "?")", flag.reason]
            }))
        }
        if events {
            let list = try await library.policyEvents()
            Console.print(Console.table(["WHEN", "EVENT", "RULE", "PROMPT"], list.map {
                [Console.shortDate($0.createdAt), $0.kind.rawValue, $0.rule, $0.prompt]
            }))
        }
    }
}

/// `flags --json` output.
struct FlagJSON: Encodable {
    var generationId: GenerationID, detector: String, detectorVersion: String, score: Double, threshold: Double
    var action: String, reason: String, createdAt: Date, clearedAt: Date?, clearedBy: String?
    init(_ f: SafetyFlagRecord) {
        generationId = f.generationID; detector = f.detector; detectorVersion = f.detectorVersion; score = f.score
        threshold = f.threshold; action = f.action; reason = f.reason; createdAt = f.createdAt; clearedAt = f.clearedAt
        clearedBy = f.clearedBy
    }
}

struct UnflagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unflag", abstract: "Clear a picture's safety flags (it shows again); the clearing is recorded.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The generation id (any unique prefix).") var id: String
    @Option(help: "Who cleared it (default: $USER).") var by: String?

    func run() async throws {
        let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        let (library, ids) = try await global.open(resolving: [id])
        let cleared = try await library.unflag(ids[0], by: who)
        Console.print(cleared == 0 ? "No active flag on \(id)." : "Cleared \(cleared) flag(s) on \(id) (by \(who)).")
    }
}
