import DarkroomCrypto
import DarkroomImaging
import DarkroomStore
import Foundation

/// What `doctor` checked and repaired.
public struct DoctorReport: Sendable, Equatable {
    /// Problems reported by `PRAGMA integrity_check` / `foreign_key_check` (empty when healthy).
    public var integrityProblems: [String] = []
    /// Jobs found `running` whose process is gone, now marked failed.
    public var interruptedJobs: [GenerationID] = []
    /// Pictures in the library folder that no row references, moved into quarantine (never deleted:
    /// such a picture may be all that is left of a row the database lost).
    public var quarantinedPictures: [String] = []
    /// Where this run put them (`LIBRARY/quarantine/STAMP`), when it moved any.
    public var quarantineFolder: URL?
    /// Unreferenced thumbnails and temporary files removed (derived or partial data).
    public var removedFiles: [String] = []
    /// Files of quarantine sweeps older than ``Library/quarantineRetention`` removed.
    public var expiredQuarantine = 0
    /// Pictures in quarantine (this run's and earlier ones') imported back from their own metadata.
    public var restored: [ImportOutcome] = []
    /// Pictures still in quarantine after this run.
    public var stillQuarantined = 0
    /// Picture files that rows reference but that are missing (cannot be repaired here).
    public var missingFiles: [String] = []
    /// Thumbnails that were missing and were made again.
    public var rebuiltThumbnails: [String] = []
    /// Pictures that synced without their file (lazy pictures) and wait to be downloaded: not a problem.
    public var notDownloaded = 0

    /// True when the database is healthy, no picture is missing and none had lost its row.
    public var isHealthy: Bool { integrityProblems.isEmpty && missingFiles.isEmpty && quarantinedPictures.isEmpty }
}

extension Library {
    /// How long pictures stay in quarantine before a later `doctor` removes them.
    public static let quarantineRetention: TimeInterval = 30 * 24 * 3600

    /// Checks the database, fails interrupted jobs, moves every unreferenced picture into
    /// quarantine (a full walk of the library folder), removes unreferenced thumbnails, remakes
    /// damaged ones and reports missing pictures.
    ///
    /// - Parameter restoreOrphans: Then also imports every quarantined picture back (from the
    ///   metadata it carries), and removes it from quarantine once a row shows it.
    public func doctor(restoreOrphans: Bool = false) async throws -> DoctorReport {
        if isReadOnly { throw StoreError.readOnlyLibrary(path: folder.path) }
        var report = DoctorReport()
        report.integrityProblems = try database.integrityProblems()
        report.interruptedJobs = try RecoveryReport.failInterruptedJobs(database: database, folder: folder, now: Date())
        try await sweepFiles(into: &report)
        if restoreOrphans { try await restoreQuarantine(into: &report) }
        report.stillQuarantined = files.quarantinedPictures().count
        return report
    }

    /// Under the exclusive files lock: quarantine, thumbnails, missing pictures.
    private func sweepFiles(into report: inout DoctorReport) async throws {
        let lock = filesLock()
        try await lock.lock(exclusive: true)
        defer { lock.unlock() }
        let (images, waiting) = try await database.imagesAndPendingPictures()
        var referenced = Set<String>()
        for image in images {
            referenced.insert(image.path)
            if let thumb = image.thumbnailPath { referenced.insert(thumb) }
        }
        for (entry, _) in PendingWriteJournal(folder: folder).leftovers() { PendingWriteJournal(folder: folder).end(entry) }
        let now = Date()
        report.expiredQuarantine = files.purgeQuarantine(olderThan: now.addingTimeInterval(-Self.quarantineRetention))
        let stamp = TimestampFormat.fileName(now)
        let swept = files.sweep(keeping: referenced, quarantine: stamp)
        report.quarantinedPictures = swept.quarantined
        report.removedFiles = swept.removed
        if !swept.quarantined.isEmpty { report.quarantineFolder = files.url("\(ImageFileStore.quarantineFolder)/\(stamp)") }
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
    }

    /// Imports every quarantined picture back; one that a row now shows leaves quarantine.
    private func restoreQuarantine(into report: inout DoctorReport) async throws {
        for picture in files.quarantinedPictures() {
            let outcome: ImportOutcome
            do {
                outcome = try await importImage(at: picture)
            } catch let error as StoreError where Self.isFatal(error) {
                throw error
            } catch {
                report.restored.append(.failed(path: picture.path, error: "\(error)"))
                continue
            }
            report.restored.append(outcome)
            // Leaves quarantine only once the library holds the same bytes again (a duplicate whose
            // own file is missing keeps this copy).
            let bytes = try? Data(contentsOf: picture)
            let stored = bytes.map { files.url(ImageFileStore.imagePath(hash: ContentHash.sha256Hex($0))) }
            if let stored, (try? Data(contentsOf: stored)) == bytes { try? FileManager.default.removeItem(at: picture) }
        }
        // Empty sweep folders go.
        let base = folder.appendingPathComponent(ImageFileStore.quarantineFolder)
        let left = files.quarantinedPictures().map(\.path)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
            let sweep = base.appendingPathComponent(name).path + "/"
            if !left.contains(where: { $0.hasPrefix(sweep) }) { try? FileManager.default.removeItem(atPath: sweep) }
        }
    }
}
