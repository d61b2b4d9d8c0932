import ArgumentParser
import Darkroom
import Foundation

struct TrashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trash",
        abstract: "Move generations to the trash, list it, or empty it.",
        discussion: """
            Trashed items leave the gallery but keep their pictures for the days the trash.retention_days
            setting says (30 by default), then are purged when a library is opened.
            `darkroom restore ID…` brings them back. `trash empty` asks before deleting when run on a
            terminal (--yes skips the question; scripts are not asked).

            Examples:
              darkroom trash 3f2a 9bc1
              darkroom trash list
              darkroom trash empty --older-than 7
              darkroom trash empty --yes
            """,
        subcommands: [Move.self, List.self, Empty.self],
        defaultSubcommand: Move.self)

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "move", abstract: "Move generations to the trash (the default).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func validate() throws {
            // Ids are hexadecimal: a word that is not is a mistyped subcommand (`trash emtpy`), not an id.
            for id in ids where !id.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                let hint = NameSuggestion.closest(to: id, among: ["move", "list", "empty"])
                if let command = hint.first { throw ValidationError("'\(id)' is not an id. Did you mean `darkroom trash \(command)`?") }
            }
        }
        func run() async throws {
            try await global.edit(ids, report: { "Moved \($0.count) item(s) to the trash." }) { try await $0.trash($1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the trash, most recently trashed first.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let library = try await global.open()
            var query = GalleryQuery()
            query.trashed = true
            try Console.printItems(try await library.items(query), library: library, json: json, empty: "The trash is empty.",
                                   hidden: try await library.hiddenCount(query))
        }
    }

    struct Empty: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "empty", abstract: "Delete trashed items for good, with their pictures.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("older-than"), help: ArgumentHelp("Only items trashed more than DAYS days ago.", valueName: "days"))
        var olderThan: Double?
        @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation on a terminal.") var yes = false
        func validate() throws {
            if let olderThan, olderThan < 0 { throw ValidationError("--older-than takes a number of days, 0 or more.") }
        }
        func run() async throws {
            let cutoff = olderThan.map { Date().addingTimeInterval(-$0 * 86400) }
            let library = try await global.open()
            let due = try await library.trashCount(trashedBefore: cutoff)
            guard due > 0 else { Console.print("Deleted 0 item(s) from the trash."); return }
            let question = "Delete \(due) item(s) from the trash for good, with pictures no other item uses?"
            guard Console.confirmed(question, yes: yes) else {
                Console.print("Nothing deleted.")
                return
            }
            let count = try await library.emptyTrash(trashedBefore: cutoff)
            Console.print("Deleted \(count) item(s) from the trash.")
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Bring generations back from the trash.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
    func run() async throws {
        try await global.edit(ids, report: { "Restored \($0.count) item(s)." }) { try await $0.restore($1) }
    }
}
