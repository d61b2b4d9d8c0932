import ArgumentParser
import Darkroom
import Foundation

/// The root `darkroom` command: a private text-to-image gallery in the terminal.
struct DarkroomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom",
        abstract: "A private, local text-to-image gallery.",
        discussion: """
            Every command works on one library: --library PATH (before or after the command), \
            else $DARKROOM_LIBRARY, else $XDG_DATA_HOME/darkroom/library (~/.local/share/darkroom/library).

            Ids may be shortened to any unique prefix, as with git. Exit codes are listed in docs/cli.md.
            """,
        version: DarkroomVersion.string,
        subcommands: [
            InitCommand.self, GenerateCommand.self, QueueCommand.self, VaryCommand.self, RerunCommand.self, VerifyCommand.self, ListCommand.self, ShowCommand.self,
            FavoriteCommand.self, UnfavoriteCommand.self, RateCommand.self, TagCommand.self, AlbumCommand.self,
            TrashCommand.self, RestoreCommand.self, ExportCommand.self, ImportCommand.self, PromptsCommand.self,
            SettingsCommand.self, StatsCommand.self, DoctorCommand.self, FlagsCommand.self, UnflagCommand.self,
            CredentialsCommand.self, ModelsCommand.self, SyncCommand.self, DeviceCommand.self, RelayCommand.self,
        ])
}

extension DarkroomCommand {
    /// The names `darkroom` takes as its first word: every subcommand and `help`.
    static var commandNames: [String] {
        configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// For a first word that is no command (`darkroom lsit`), the message naming it with the closest
    /// commands; nil when the first word is a command, an option, or absent.
    static func unknownCommandMessage(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) else { return nil }
        let hint = NameSuggestion.closest(to: first, among: commandNames)
        let suggestion = hint.isEmpty ? "" : " Did you mean \(hint.map { "'\($0)'" }.joined(separator: " or "))?"
        return "error: '\(first)' is not a darkroom command.\(suggestion) See 'darkroom --help'."
    }
}

/// The CLI's version string.
enum DarkroomVersion {
    static let string = "0.1.0"
}

/// Entry point: parses, runs, and turns errors into messages on stderr and documented exit codes.
///
/// Every way out goes through ``leave(_:)``, which ends the process with `_exit` once the output is
/// flushed: the C library's `exit` runs OpenBLAS's destructor, which joins its worker threads and, after
/// a cancelled generation, could wait on them for good (5 of 10 Ctrl-C'd runs never ended).
@main
enum DarkroomMain {
    static func main() async {
        // A write past a file-size limit then fails with EFBIG (reported as "disk full") instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        do {
            let arguments = GlobalOptions.movingLibraryOption(Array(CommandLine.arguments.dropFirst()))
            if let message = DarkroomCommand.unknownCommandMessage(arguments) {
                throw CLIFailure(code: .usage, message: message)
            }
            var command = try DarkroomCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            leave(0)
        } catch let error as CLIFailure {
            FileHandle.standardError.write(Data("darkroom: \(TerminalText.sanitize(error.message))\n".utf8))
            leave(error.code.rawValue)
        } catch {
            if let code = ExitStatus.code(for: error) {
                let advice = ExitStatus.advice(for: error).map { "\n" + $0 } ?? ""
                FileHandle.standardError.write(Data("darkroom: error: \(TerminalText.sanitize("\(error)"))\(advice)\n".utf8))
                leave(code.rawValue)
            }
            // ArgumentParser's own errors (usage, --help, --version), rendered as `exit(withError:)` would.
            let code = DarkroomCommand.exitCode(for: error)
            let message = DarkroomCommand.fullMessage(for: error)
            if !message.isEmpty {
                let handle = code == .success ? FileHandle.standardOutput : FileHandle.standardError
                handle.write(Data((TerminalText.sanitize(message) + "\n").utf8))
            }
            leave(code.rawValue)
        }
    }

    /// Flushes the C library's buffered output and ends the process now, skipping exit handlers.
    static func leave(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}
