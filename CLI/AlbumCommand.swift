import ArgumentParser
import Darkroom
import Foundation

struct AlbumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "album",
        abstract: "Create, fill and manage albums.",
        discussion: "A generation may be in any number of albums. Deleting an album keeps its generations.",
        subcommands: [Create.self, Add.self, Remove.self, Rename.self, Delete.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an empty album.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The album name.") var name: String
        func run() async throws {
            let album = try await global.open().createAlbum(name)
            Console.print("Created album '\(album.name)'")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add generations to an album.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Create the album when it does not exist.") var create = false
        @Argument(help: "The album name.") var name: String
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func run() async throws {
            try await global.edit(ids, report: { "Added \($0.count) item(s) to '\(name)'" }) {
                try await $0.addToAlbum($0.album(named: name, creating: create).id, $1)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove generations from an album.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The album name.") var name: String
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String]
        func run() async throws {
            try await global.edit(ids, report: { "Removed \($0.count) item(s) from '\(name)'" }) {
                try await $0.removeFromAlbum($0.album(named: name, creating: false).id, $1)
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename an album.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The current name.") var name: String
        @Argument(help: "The new name.") var newName: String
        func run() async throws {
            let library = try await global.open()
            try await library.renameAlbum(library.album(named: name, creating: false).id, to: newName)
            Console.print("Renamed '\(name)' to '\(newName)'")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an album (its generations stay).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The album name.") var name: String
        func run() async throws {
            let library = try await global.open()
            try await library.deleteAlbum(library.album(named: name, creating: false).id)
            Console.print("Deleted album '\(name)'")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List albums with their number of items.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let albums = try await global.open().albums()
            if json { try Console.printJSON(albums.map { NameCount(name: $0.album.name, count: $0.count) }); return }
            if albums.isEmpty { Console.note("No albums yet. Create one with `darkroom album create NAME`."); return }
            Console.print(Console.table(["ALBUM", "ITEMS"], albums.map { [$0.album.name, "\($0.count)"] }))
        }
    }
}
