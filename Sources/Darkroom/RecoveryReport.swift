import DarkroomStore
import Foundation

/// What the recovery run at open time (or by `doctor`) found and repaired.
public struct RecoveryReport: Sendable, Equatable {
    /// Jobs left `running` by a process that is gone, now marked failed.
    public var interruptedJobs: [GenerationID] = []
    /// Picture files removed because no committed row references them.
    public var removedFiles: [String] = []
    /// Generations purged from the trash because they were older than the retention.
    public var purgedGenerations = 0
    /// The trash retention the purge used, in days (the `trash.retention_days` setting).
    public var trashRetentionDays = Double(SettingKey.defaultRetentionDays)
    /// False when another process was writing pictures, so the file check was skipped this time.
    public var checkedFiles = true

    /// True when nothing needed repair.
    public var isEmpty: Bool { interruptedJobs.isEmpty && removedFiles.isEmpty && purgedGenerations == 0 }

    /// The reason recorded on a job whose process died.
    public static let interruptedReason =
        "interrupted: the process running this job stopped before it finished (crash, kill or power loss)"

    /// The quick recovery run on every open.
    static func run(database: LibraryDatabase, files: ImageFileStore, now: Date) throws -> RecoveryReport {
        var report = RecoveryReport()
        report.interruptedJobs = try failInterruptedJobs(database: database, folder: files.folder, now: now)
        let lock = Library.filesLock(in: files.folder)
        if try lock.lock(exclusive: true, wait: false) {
            defer { lock.unlock() }
            report.removedFiles = try removeUncommittedFiles(database: database, files: files)
            let retention = try Library.trashRetention(database)
            report.trashRetentionDays = retention / 86_400
            report.purgedGenerations = try Library.purgeTrash(database: database, files: files,
                                                              olderThan: now.addingTimeInterval(-retention))
        } else {
            report.checkedFiles = false
        }
        return report
    }

    /// Marks `running` jobs whose process no longer holds a job slot naming them as failed.
    static func failInterruptedJobs(database: LibraryDatabase, folder: URL, now: Date) throws -> [GenerationID] {
        let running = try database.runningJobIDs()
        guard !running.isEmpty else { return [] }
        // Read after the rows: a job claimed since is not in `running`; one finished since fails the
        // `status = 'running'` test of the update below.
        let held = Set(try Library.jobSlots(in: folder).heldNotes())
        var interrupted: [GenerationID] = []
        for id in running where !held.contains(id.rawValue) {
            // Versions before the job slots held `locks/job-ID.lock` instead.
            let lock = FileLock(path: folder.appendingPathComponent("locks/job-\(id).lock").path)
            let legacy = FileManager.default.fileExists(atPath: lock.path)
            if legacy, try !lock.lock(exclusive: true, wait: false) { continue }  // still running elsewhere
            let changed = try database.failRunningJob(id, reason: interruptedReason, now: now)
            if changed { interrupted.append(id) }
            if legacy { try? FileManager.default.removeItem(atPath: lock.path) }
            lock.unlock()
        }
        return interrupted
    }

    /// Removes files named by leftover pending-write entries that no committed row references.
    static func removeUncommittedFiles(database: LibraryDatabase, files: ImageFileStore) throws -> [String] {
        let journal = PendingWriteJournal(folder: files.folder)
        var removed: [String] = []
        for (entry, paths) in journal.leftovers() {
            let referenced = try database.referencedPaths(among: paths)
            for path in paths where !referenced.contains(path) {
                if FileManager.default.fileExists(atPath: files.url(path).path) {
                    files.remove(path)
                    removed.append(path)
                }
            }
            journal.end(entry)
        }
        // Temp files of dead writers.
        let tmp = files.folder.appendingPathComponent("tmp")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] {
            try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            removed.append("tmp/\(name)")
        }
        return removed
    }
}
