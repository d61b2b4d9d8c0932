import ArgumentParser
import Darkroom
import Foundation

struct FavoriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fav", abstract: "Mark generations as favourites.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]

    func run() async throws {
        let (library, ids) = try await global.open(resolving: ids)
        let changed = try await library.setFavorite(ids, true)
        Console.print("★ \(changed.map { String($0.prefix(8)) }.joined(separator: ", "))")
    }
}

struct UnfavoriteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unfav", abstract: "Remove the favourite mark.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Generation ids (any unique prefix).") var ids: [String]

    func run() async throws {
        let (library, ids) = try await global.open(resolving: ids)
        let changed = try await library.setFavorite(ids, false)
        Console.print("☆ \(changed.map { String($0.prefix(8)) }.joined(separator: ", "))")
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
        let (library, ids) = try await global.open(resolving: [id])
        let changed = try await library.rate(ids, stars)
        Console.print("\(changed[0].prefix(8)): \(String(repeating: "★", count: stars))\(String(repeating: "☆", count: 5 - stars))")
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
            let (library, ids) = try await global.open(resolving: ids)
            let changed = try await library.addTags([name], to: ids)
            Console.print("Tagged \(changed.count) item(s) #\(name)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a tag from generations.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The tag name.") var name: String
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func run() async throws {
            let (library, ids) = try await global.open(resolving: ids)
            let changed = try await library.removeTags([name], from: ids)
            Console.print("Removed #\(name) from \(changed.count) item(s)")
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
