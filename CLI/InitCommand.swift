import ArgumentParser
import Darkroom
import Foundation

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty library.",
        discussion: "Does nothing (and says so) when the folder already holds a library.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let url = global.libraryURL
        let existed = FileManager.default.fileExists(atPath: url.appendingPathComponent("library.sqlite").path)
        let library = try await Library.open(at: url, create: true, keyDirectory: LibrarySync.cliKeyDirectory)
        Console.print(existed ? "A library already exists at \(url.path)" : "Created a library at \(url.path)")
        Console.print("library id: \(library.info.libraryID)")
        Console.print("device id:  \(library.info.deviceID)")
    }
}
