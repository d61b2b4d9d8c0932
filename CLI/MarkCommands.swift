import ArgumentParser
import Darkroom
import Foundation

struct FavoriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fav", abstract: "Mark generations as favourites.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]

    func run() async throws {
        try await global.edit(ids, report: { "★ \($0.map { String($0.prefix(8)) }.joined(separator: ", "))" }) { try await $0.setFavorite($1, true) }
    }
}

struct UnfavoriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unfav", abstract: "Remove the favourite mark.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]

    func run() async throws {
        try await global.edit(ids, report: { "☆ \($0.map { String($0.prefix(8)) }.joined(separator: ", "))" }) { try await $0.setFavorite($1, false) }
    }
}

struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate", abstract: "Rate a generation from 1 to 5 stars (0 clears the rating).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The generation id (any unique prefix).") var id: String
    @Argument(help: "Stars, 0 to 5.") var stars: Int

    func validate() throws {
        guard (0...5).contains(stars) else { throw ValidationError("Stars must be from 0 to 5; got \(stars).") }
    }

    func run() async throws {
        try await global.edit([id], report: { "\($0[0].prefix(8)): \(String(repeating: "★", count: stars))\(String(repeating: "☆", count: 5 - stars))" }) {
            try await $0.rate($1, stars)
        }
    }
}

struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Add or remove tags.",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a tag to generations.", discussion: "Example: darkroom tag add keeper 3f2a 9bc1")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The tag name.") var name: String
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func run() async throws {
            try await global.edit(ids, report: { "Tagged \($0.count) item(s) #\(name)" }) { try await $0.addTags([name], to: $1) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a tag from generations.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The tag name.") var name: String
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func run() async throws {
            try await global.edit(ids, report: { "Removed #\(name) from \($0.count) item(s)" }) { try await $0.removeTags([name], from: $1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tags with how many items carry each.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let tags = try await global.open().tags()
            if json { try Console.printJSON(tags.map { NameCount(name: $0.name, count: $0.count) }); return }
            if tags.isEmpty { Console.note("No tags yet."); return }
            Console.print(Console.table(["TAG", "ITEMS"], tags.map { [$0.name, "\($0.count)"] }))
        }
    }
}
