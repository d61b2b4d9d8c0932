import DarkroomImaging
import DarkroomStore
import Foundation
import GRDB

/// What `doctor` checked and repaired.
public struct DoctorReport: Sendable, Equatable {
    /// Problems reported by `PRAGMA integrity_check` / `foreign_key_check` (empty when healthy).
    public var integrityProblems: [String] = []
    /// Jobs found `running` whose process is gone, now marked failed.
    public var interruptedJobs: [String] = []
    /// Files in the library folder that no row references, removed.
    public var removedOrphans: [String] = []
    /// Picture files that rows reference but that are missing (cannot be repaired here).
    public var missingFiles: [String] = []
    /// Thumbnails that were missing and were made again.
    public var rebuiltThumbnails: [String] = []
    /// Pictures that synced without their file (lazy pictures) and wait to be downloaded: not a problem.
    public var notDownloaded = 0

    /// True when the database is healthy and no picture is missing.
    public var isHealthy: Bool { integrityProblems.isEmpty && missingFiles.isEmpty }
}

extension Library {
    /// Checks the database, fails interrupted jobs, removes every unreferenced file
    /// (a full walk of the library folder) and reports missing pictures.
    public func doctor() async throws -> DoctorReport {
        var report = DoctorReport()
        report.integrityProblems = try database.integrityProblems()
        report.interruptedJobs = try RecoveryReport.failInterruptedJobs(database: database, folder: folder, now: Date())
        let lock = filesLock()
        try lock.lock(exclusive: true, wait: true)
        defer { lock.unlock() }
        let (images, waiting) = try await database.read { db in
            (try ImageRecord.fetchAll(db), Set(try SyncChangeLog.metaKeys(prefix: SyncChangeLog.pendingPicturePrefix, db)
                .map { String($0.dropFirst(SyncChangeLog.pendingPicturePrefix.count)) }))
        }
        var referenced = Set<String>()
        for image in images {
            referenced.insert(image.path)
            if let thumb = image.thumbnailPath { referenced.insert(thumb) }
        }
        for (entry, _) in PendingWriteJournal(folder: folder).leftovers() { PendingWriteJournal(folder: folder).end(entry) }
        report.removedOrphans = files.sweep(keeping: referenced)
        for image in images {
            if !FileManager.default.fileExists(atPath: url(of: image.path).path) {
                if waiting.contains(image.hash) { report.notDownloaded += 1 } else { report.missingFiles.append(image.path) }
            } else if let thumb = image.thumbnailPath, thumb != image.path,   // a small picture is its own thumbnail
                      (try? PNGCodec.decode(Data(contentsOf: url(of: thumb)))) == nil {   // missing, or damaged by a power cut
                if let data = try? Data(contentsOf: url(of: image.path)), let decoded = try? PNGCodec.decode(data) {
                    files.remove(thumb)
                    try files.write(try Self.thumbnailPNG(for: decoded.image), to: thumb, durable: false)
                    report.rebuiltThumbnails.append(thumb)
                }
            }
        }
        return report
    }
}
