import ArgumentParser
import Darkroom
import Foundation

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Read and change settings.",
        discussion: """
            Settings are synced to all your devices unless set with --device, which makes an override for this
            device only. `settings list` shows each value and where it came from (device, synced, default).
            Values are checked when they are set; a name this version does not know is refused unless --force.

            Settings and the values they take:
            \(SettingsCommand.keyTable)

            Examples:
              darkroom settings set generate.steps 8
              darkroom settings set generate.scheduler ddim --device
              darkroom settings unset generate.scheduler --device
            """,
        subcommands: [Get.self, Set.self, Unset.self, List.self])

    /// One line per known setting: its name and the values it takes.
    static var keyTable: String {
        let width = SettingKey.all.map(\.name.count).max() ?? 0
        return SettingKey.all.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \($0.kind)" }
            .joined(separator: "\n")
    }

    /// Runs `body`, turning a refused setting into exit 11 with the facade's words.
    static func checked<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as SettingError {
            throw CLIFailure(code: .invalidValue, message: "error: \(error)" + (ExitStatus.advice(for: error).map { " " + $0 } ?? ""))
        }
    }

    /// `"ddim"` as `ddim`, other JSON as it is: what a person typed.
    static func shown(_ json: String) -> String {
        guard json.hasPrefix("\""), let data = json.data(using: .utf8),
              let text = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? String else { return json }
        return text
    }

    /// Where a resolved value comes from, in words.
    static func origin(_ setting: ResolvedSetting) -> String {
        switch setting.origin {
        case .device: return "this device's override"
        case .synced: return "synced"
        case .default: return "the default"
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a setting's value (JSON).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        func run() async throws {
            guard let setting = try await global.open().setting(key) else {
                let hint = SettingKey.suggestions(for: key)
                if !hint.isEmpty { Console.note("Did you mean \(hint.joined(separator: " or "))?") }
                throw StoreError.notFound(kind: "setting", id: key)
            }
            Console.print(setting.value)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set a setting (checked against the values it takes).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        // Taken as it comes, so a value such as `-1` reaches the check (and its message) instead of reading as an option.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The value (JSON, or a plain word).", valueName: "value"))
        var words: [String] = []
        @Flag(help: "Only on this device (an override of the synced value).") var device = false
        @Flag(help: "Store a setting name this version does not know, as it is.") var force = false
        var value: String { words.joined(separator: " ") }
        func validate() throws {
            if words.isEmpty { throw ValidationError("Missing the value: darkroom settings set \(key) VALUE") }
        }
        func run() async throws {
            let library = try await global.open()
            let change = try await SettingsCommand.checked {
                try await library.applySetting(key, value: value, scope: device ? .device : .synced, force: force)
            }
            if key == "safety.enabled", change.value == "false" {
                Console.note("Warning: the safety policy is now OFF: prompts are not checked and pictures are not flagged. The change is recorded (`darkroom flags --events`).")
            }
            if !change.isKnown { Console.note("Note: '\(key)' is not a setting this version uses; stored because of --force.") }
            let was = change.previous.map { "; was \(SettingsCommand.shown($0.value)), \(SettingsCommand.origin($0))" } ?? ""
            Console.print("\(key) = \(SettingsCommand.shown(change.value)) (\(device ? "this device" : "synced")\(was))")
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unset", abstract: "Remove a setting (the synced value or default applies again).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The setting name.") var key: String
        @Flag(help: "Remove this device's override instead of the synced value.") var device = false
        func run() async throws {
            let removal = try await global.open().removeSetting(key, scope: device ? .device : .synced)
            let scope = device ? "this device's override" : "the synced value"
            let now = removal.effective.map { "\(key) is now \(SettingsCommand.shown($0.value)) (\(SettingsCommand.origin($0)))." }
                ?? "\(key) has no value now."
            if let removed = removal.removedValue {
                Console.print("Removed \(scope) of \(key) (\(SettingsCommand.shown(removed))). \(now)")
            } else {
                let hint = SettingKey.named(key) == nil ? SettingKey.suggestions(for: key) : []
                Console.print("\(key) had no \(device ? "override on this device" : "synced value"); nothing removed. \(now)"
                              + (hint.isEmpty ? "" : " Did you mean \(hint.joined(separator: " or "))?"))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List settings with their origin.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let settings = try await global.open().settings()
            if json { try Console.printJSON(settings); return }
            Console.print(Console.table(["KEY", "FROM", "VALUE"], settings.map {
                [$0.key, $0.origin.rawValue + (SettingKey.named($0.key) == nil ? " (unknown)" : ""), $0.value]
            }))
        }
    }
}
