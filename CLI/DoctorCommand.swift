import ArgumentParser
import Darkroom
import DarkroomStore
import Foundation

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the library and repair what can be repaired.",
        discussion: """
            Runs SQLite's integrity and foreign-key checks, marks jobs whose process died as failed, removes
            files no row references, remakes missing thumbnails, and reports pictures that are missing.
            Exits 6 when the database is damaged or pictures are missing.
            """)
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let report = try await global.open().doctor()
        Console.print("database: " + (report.integrityProblems.isEmpty ? "ok" : "\(report.integrityProblems.count) problem(s)"))
        for problem in report.integrityProblems { Console.print("  \(problem)") }
        Console.print("interrupted jobs marked failed: \(report.interruptedJobs.count)")
        Console.print("unreferenced files removed: \(report.removedOrphans.count)")
        for path in report.removedOrphans { Console.print("  \(path)") }
        Console.print("thumbnails remade: \(report.rebuiltThumbnails.count)")
        if report.notDownloaded > 0 { Console.print("pictures not downloaded yet (sync.pictures = lazy): \(report.notDownloaded)") }
        Console.print("missing pictures: \(report.missingFiles.count)")
        for path in report.missingFiles { Console.print("  \(path)") }
        if !report.isHealthy {
            throw CLIFailure(code: .corruptLibrary, message: "error: the library has problems that need attention (see above).")
        }
    }
}
