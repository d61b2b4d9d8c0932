import ArgumentParser
import Darkroom
import Foundation

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync this library end-to-end encrypted with your other devices.",
        discussion: """
            Nothing readable leaves the device: every change travels in envelopes signed by
            this device and encrypted with the library key; pictures as encrypted blobs.

            Pairing a second device (run the commands in this order):
              device A:  darkroom sync init --transport folder:PATH      # recovery words printed once
              device A:  darkroom sync pair                              # last line: a one-time code
              device B:  darkroom sync join CODE --transport folder:PATH
              device A:  darkroom sync run                               # admits B, shows a fingerprint
              device B:  darkroom sync run                               # receives the library
            Compare the fingerprint both devices print. Then `darkroom sync run` on any device
            sends its changes and receives the others'.
            """,
        subcommands: [Init.self, Pair.self, Join.self, Run.self, Status.self, Recover.self, Fetch.self, Leave.self])

    /// The name a device gets when `--name` is not given: the host name and a short random
    /// suffix, so two devices on one host (or two hosts of one name) are told apart.
    static func defaultDeviceName() -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        return ProcessInfo.processInfo.hostName + "-" + String((0..<4).map { _ in alphabet.randomElement()! })
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Download pictures that synced without their file (setting sync.pictures = lazy).",
            discussion: "With ids, the pictures of those generations; without, every picture not downloaded yet. `show` and `export` download what they need on their own.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Generation ids (any unique prefix).") var ids: [String] = []
        func run() async throws {
            let library = try await global.open()
            let fetched: Int
            if ids.isEmpty {
                fetched = try await LibrarySync.forCLI(library).fetchPictures()
            } else {
                var items: [GalleryItem] = []
                for id in ids { items.append(try await library.item(prefix: id)) }
                fetched = try await LazyPictures.fetch(items, library: library)
            }
            Console.print("Downloaded \(fetched) picture(s).")
        }
    }

    struct TransportOption: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Where sync objects live: folder:PATH, http://HOST:PORT or https://HOST.", valueName: "spec"))
        var transport: String
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Set up sync on this (first) device; prints the recovery words once.",
            discussion: "Write the 24 recovery words down (a standard BIP39 phrase): with them, `darkroom sync recover` rebuilds the library on a new device if every device is lost.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var transport: TransportOption
        @Option(help: "A name for this device, shown in `darkroom device list` (default: the host name and a short id).") var name: String?
        func run() async throws {
            let spec = try TransportSpec(transport.transport)
            let setup = try await LibrarySync.forCLI(try await global.open()).initialize(transport: spec, deviceName: name ?? SyncCommand.defaultDeviceName())
            Console.print("Sync set up: library \(setup.library), this device \(setup.device.prefix(12)), transport \(spec).")
            Console.print("Recovery words (shown only now; keep them somewhere safe, with the library id above):")
            Console.print("  " + setup.recoveryWords.joined(separator: " "))
            Console.print("Next: `darkroom sync pair` to add a device, `darkroom sync run` to send this library.")
        }
    }

    struct Pair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pair",
            abstract: "Issue a one-time code for a new device; the last line of output is the code.",
            discussion: "On the new device: darkroom sync join CODE --transport SPEC. Then `darkroom sync run` here admits it.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let sync = LibrarySync.forCLI(try await global.open())
            let code = try await sync.pair()
            let transport = try await sync.status().transport
            Console.note("On the new device run:\n  darkroom sync join \(code) --transport \(transport) --name NAME")
            if transport.hasPrefix("folder:") { Console.note("(with the shared folder's path as the new device sees it)") }
            Console.note("Then `darkroom sync run` here admits it, and `darkroom sync run` there receives the library.")
            Console.print(code.description)
        }
    }

    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "join", abstract: "Ask to join a library with the code `sync pair` printed on another device.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pairing code.") var code: String
        @OptionGroup var transport: TransportOption
        @Option(help: "A name for this device (default: the host name and a short id); the admitting device learns it at once.") var name: String?
        func run() async throws {
            let pairing: PairingCode
            do { pairing = try PairingCode(code) } catch SyncError.malformed(let reason) {
                throw ValidationError("The pairing code is wrong: \(reason). Nothing was set up.")
            }
            let spec = try TransportSpec(transport.transport)
            let device = try await LibrarySync.forCLI(try await global.open()).join(code: pairing, transport: spec,
                                                                              deviceName: name ?? SyncCommand.defaultDeviceName())
            Console.print("Asked to join library \(pairing.library.rawValue.prefix(12)) as device \(device.prefix(12)).")
            Console.print("Next: `darkroom sync run` on the device that printed the code, then `darkroom sync run` here.")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Send this device's changes, receive the others', admit joining devices.",
            discussion: """
                Prints what moved, conflicts resolved and anything rejected. When the transport
                served tampered, replayed, rolled-back or withheld data, nothing of it is applied,
                the rest is, and the command exits with status 15 naming what it detected.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var progressOptions: ProgressOptions
        func run() async throws {
            let display = SyncProgressDisplay(style: progressOptions.style)
            let report: SyncRunReport
            do {
                report = try await LibrarySync.forCLI(try await global.open()).run { display.show($0) }
                display.finish()
            } catch {
                display.finish()
                throw error
            }
            if let fingerprint = report.joinedFingerprint {
                Console.print("Joined. Fingerprint: \(fingerprint) (it must match the one the admitting device printed).")
                Console.note("If it does not match, someone else answered your pairing: run `darkroom sync leave` here, and pair again with a new code.")
            }
            for admitted in report.admitted {
                Console.print("Admitted device \(admitted.device.prefix(12)). Fingerprint: \(admitted.fingerprint) (compare it with the new device).")
                Console.note("If the new device shows another fingerprint, someone else used the code: run `darkroom device revoke \(admitted.device.prefix(12))` now.")
            }
            Console.print("Sent \(report.sentChanges) change(s) in \(report.sentEnvelopes) envelope(s), \(report.uploadedBlobs) picture(s).")
            let a = report.applied
            Console.print("Received \(report.receivedEnvelopes) envelope(s): \(a.applied) change(s) applied, \(a.superseded) superseded by newer edits, \(a.deferred) waiting for their item, \(a.ignoredDeleted) for deleted items; \(report.downloadedBlobs) picture(s).")
            if a.renamedAlbums > 0 { Console.print("\(a.renamedAlbums) album(s) created on two devices with the same name were renamed with a suffix.") }
            if report.keyringUpdated { Console.print("The device list changed: `darkroom device list`.") }
            for skipped in report.skippedOversized {
                Console.note("warning: not synced, too large for one envelope (over \(LibrarySync.envelopePayloadBudget >> 20) MiB): \(skipped)")
            }
            let violations = report.violations
            for detection in report.detections where !detection.isViolation { Console.note("notice: \(detection)") }
            guard violations.isEmpty else {
                for detection in violations { Console.note("rejected: \(detection)") }
                throw CLIFailure(code: .syncViolation,
                                 message: "The transport served \(violations.count) object(s) that failed verification; none of them was applied. If this persists, the transport is faulty or tampered with.")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the library's sync set-up, devices and pending changes.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let status = try await LibrarySync.forCLI(try await global.open()).status()
            Console.print("Library:    \(status.library)")
            Console.print("Device:     \(status.device)")
            Console.print("Transport:  \(status.transport)")
            if status.waitingForAdmission {
                Console.print("State:      waiting to be admitted (run `darkroom sync run` on the device that printed the code)")
            } else {
                Console.print("Membership: version \(status.membershipVersion), key epoch \(status.epoch), \(status.members.filter(\.active).count) active device(s)")
            }
            Console.print("Pending:    \(status.pendingChanges) change(s) to send")
            if status.openPairings > 0 { Console.print("Pairing:    \(status.openPairings) code(s) not used yet") }
            for (device, head) in status.logHeads.sorted(by: { $0.key < $1.key }) {
                Console.print("Log \(device.prefix(12)): \(head) envelope(s) verified")
            }
            Console.print("Last run:   \(status.lastRun.map(Console.shortDate) ?? "never")")
            for problem in status.lastProblems { Console.print("  problem: \(problem)") }
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recover",
            abstract: "Rebuild sync on a new device from the recovery words (when every device is lost).",
            discussion: "Reads the words from --words or, if absent, from standard input. Then `darkroom sync run` downloads the library.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var transport: TransportOption
        @Option(help: "The 24 recovery words (a BIP39 phrase; an earlier 25-word phrase works too). Prefer standard input: arguments show in process lists.") var words: String?
        @Option(name: .customLong("sync-library"), help: ArgumentHelp("The sync library id `sync init` printed (needed with a relay).", valueName: "id"))
        var syncLibrary: String?
        func run() async throws {
            let phrase = words ?? (readLine(strippingNewline: true) ?? "")
            let spec = try TransportSpec(transport.transport)
            let device = try await LibrarySync.forCLI(try await global.open()).recover(words: phrase, transport: spec, libraryID: syncLibrary)
            Console.print("Recovered as device \(device.prefix(12)). Next: `darkroom sync run`.")
        }
    }

    struct Leave: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "leave",
            abstract: "Stop syncing on this device, or give up a pending join; the gallery stays.",
            discussion: """
                This device's sync keys are forgotten; join again later with a new code. The other \
                devices keep listing it until one of them runs `darkroom device revoke`.
                """)
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let left = try await LibrarySync.forCLI(try await global.open()).leave()
            Console.print(left ? "Sync removed from this library; the gallery is unchanged." : "Sync was not set up for this library; nothing to do.")
        }
    }
}
