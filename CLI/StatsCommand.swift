import ArgumentParser
import Darkroom
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts and sizes of the library.",
        discussion: "`--json` prints the same counts (schema in docs/cli.md, \"stats --json\").")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let stats = try await global.open().statistics()
        if json { try Console.printJSON(stats); return }
        Console.print(Self.render(stats))
        if stats.hiddenBySafetyPolicy > 0 { Console.note(Console.hiddenNote(stats.hiddenBySafetyPolicy)) }
    }

    /// The counts as labelled lines: totals first, each breakdown under its own heading.
    static func render(_ stats: LibraryStatistics) -> String {
        var lines = [
            "Generations   \(stats.generations)" + (stats.hiddenBySafetyPolicy > 0 ? " (\(stats.hiddenBySafetyPolicy) hidden by the safety policy)" : ""),
        ]
        func breakdown(_ title: String, _ counts: [(String, Int)]) {
            guard !counts.isEmpty else { return }
            lines.append("  \(title):")
            let width = counts.map(\.0.count).max() ?? 0
            let digits = counts.map { String($0.1).count }.max() ?? 0
            for (name, count) in counts {
                let number = String(count)
                lines.append("    " + name + String(repeating: " ", count: width - name.count + 2 + digits - number.count) + number)
            }
        }
        breakdown("by status", stats.generationsByStatus.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
        breakdown("by source", stats.generationsBySource.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
        breakdown("by model (generated)", stats.generationsByModel.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
        lines += [
            "Favourites    \(stats.favorites)",
            "In trash      \(stats.trashed)",
            "Pictures      \(stats.images) (\(ByteSize.text(stats.imageBytes)))",
            "Prompts       \(stats.prompts)",
            "Albums        \(stats.albums)",
            "Tags          \(stats.tags)",
        ]
        return lines.joined(separator: "\n")
    }
}

/// Byte counts for people: `0 bytes`, `812 bytes`, `1.4 KB`, `23.0 MB` (decimal units, as file managers show).
enum ByteSize {
    static func text(_ bytes: Int) -> String {
        if bytes < 1000 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        var value = Double(bytes)
        for unit in ["KB", "MB", "GB", "TB"] {
            value /= 1000
            if value < 1000 || unit == "TB" { return String(format: "%.1f %@", value, unit) }
        }
        return "\(bytes) bytes"
    }
}
