import ArgumentParser
import Darkroom
import Foundation

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "List, rename or revoke the devices that sync this library.",
        discussion: """
            Examples:
              darkroom device list
              darkroom device rename 3f2a "Ana's tablet"
              darkroom device revoke 3f2a      # it can read nothing written afterwards
            """,
        subcommands: [List.self, Rename.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the library's devices.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let devices = try await LibrarySync.forCLI(try await global.open()).devices()
            Console.print(Console.table(["DEVICE", "NAME", "STATE"], devices.map { d in
                [String(d.id.prefix(12)), d.name.isEmpty ? "-" : d.name, (d.active ? "active" : "revoked") + (d.isThisDevice ? " (this device)" : "")]
            }))
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rename", abstract: "Give a device a name (syncs to the other devices).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device id prefix or current name.") var device: String
        @Argument(help: "The new name.") var name: String
        func run() async throws {
            try await LibrarySync.forCLI(try await global.open()).rename(device: device, to: name)
            Console.print("Renamed. It reaches the other devices with the next `darkroom sync run`.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Remove a device: a new library key is sealed to the remaining devices only.",
            discussion: "The removed device keeps what it already had, reads nothing written afterwards, and what it writes afterwards is rejected.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device id prefix or name.") var device: String
        func run() async throws {
            try await LibrarySync.forCLI(try await global.open()).revoke(device: device)
            Console.print("Revoked. The other devices learn it with their next `darkroom sync run`.")
        }
    }
}
