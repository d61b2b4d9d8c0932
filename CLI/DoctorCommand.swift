import ArgumentParser
import Darkroom
import Foundation

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the library and repair what can be repaired.",
        discussion: """
            Runs SQLite's integrity and foreign-key checks, marks jobs whose process died as failed, moves
            pictures no row references into LIBRARY/quarantine (kept 30 days, never deleted at once: such a
            picture may be all that is left of a lost row), removes unreferenced thumbnails, remakes damaged
            ones, and reports pictures that are missing. Exits 6 when the database is damaged, pictures are
            missing, or pictures had lost their rows.

            --restore-orphans imports the quarantined pictures back from the metadata they carry.
            --rebuild is the repair for a library whose database lost recent changes (a deleted or damaged
            library.sqlite-wal, which every other command refuses with exit 6): it keeps a copy of the
            damaged log, opens the database as it is, and imports every picture no row shows.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Import the pictures kept in quarantine back into the library.") var restoreOrphans = false
    @Flag(help: "Repair a library that lost recent changes: accept the damaged log and import every picture no row shows.")
    var rebuild = false
    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let library = try await global.open(acceptingLostCommits: rebuild)
        // The facade's doctor is one call: its progress is a stage with the elapsed time.
        let reporter = ProgressReporter(task: "doctor", unit: "checks", style: progress.style)
        reporter.begin(phase: restoreOrphans || rebuild ? "checking the library and restoring pictures" : "checking the library")
        let report: DoctorReport
        do {
            report = try await library.doctor(restoreOrphans: restoreOrphans || rebuild)
        } catch {
            reporter.clear()
            throw error
        }
        reporter.finish()
        Console.print("database: " + (report.integrityProblems.isEmpty ? "ok" : "\(report.integrityProblems.count) problem(s)"))
        for problem in report.integrityProblems { Console.print("  \(problem)") }
        Console.print("interrupted jobs marked failed: \(report.interruptedJobs.count)")
        Console.print("unreferenced pictures quarantined: \(report.quarantinedPictures.count)")
        for path in report.quarantinedPictures { Console.print("  \(path)") }
        if let folder = report.quarantineFolder { Console.print("  kept in \(folder.path)") }
        Console.print("unreferenced thumbnails and temporary files removed: \(report.removedFiles.count)")
        if report.expiredQuarantine > 0 { Console.print("quarantine older than 30 days removed: \(report.expiredQuarantine) entries") }
        if restoreOrphans || rebuild { printRestored(report) }
        Console.print("thumbnails remade: \(report.rebuiltThumbnails.count)")
        if report.notDownloaded > 0 { Console.print("pictures not downloaded yet (sync.pictures = lazy): \(report.notDownloaded)") }
        Console.print("missing pictures: \(report.missingFiles.count)")
        for path in report.missingFiles { Console.print("  \(path)") }
        if report.stillQuarantined > 0, !(restoreOrphans || rebuild) {
            Console.note("\(report.stillQuarantined) picture(s) are in quarantine; `darkroom doctor --restore-orphans` imports them back.")
        }
        let lostRows = !report.quarantinedPictures.isEmpty && !(restoreOrphans || rebuild)
        let unhealthy = !report.integrityProblems.isEmpty || !report.missingFiles.isEmpty || lostRows
        if unhealthy {
            throw CLIFailure(code: .corruptLibrary, message: "error: the library has problems that need attention (see above).")
        }
    }

    private func printRestored(_ report: DoctorReport) {
        var imported = 0, duplicates = 0, failed: [String] = []
        for outcome in report.restored {
            switch outcome {
            case .imported: imported += 1
            case .duplicate: duplicates += 1
            case .failed(let path, let error): failed.append("\(path): \(error)")
            }
        }
        Console.print("restored from quarantine: \(imported) imported, \(duplicates) already in the library, \(failed.count) failed")
        for line in failed { Console.print("  \(line)") }
    }
}
