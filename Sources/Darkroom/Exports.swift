// The store's value types an app works with, re-exported so that `import Darkroom` is the only
// import a gallery app needs (docs/embedding.md). The store itself (its database, SQL and file
// layout) stays behind the facade.
@_exported import typealias DarkroomStore.AlbumRecord
@_exported import struct DarkroomStore.NamedRecord
@_exported import enum DarkroomStore.AlbumTable
@_exported import enum DarkroomStore.TagTable
@_exported import enum DarkroomStore.CredentialsFilter
@_exported import struct DarkroomStore.GalleryItem
@_exported import struct DarkroomStore.GalleryQuery
@_exported import struct DarkroomStore.GenerationRecord
// Typed ids: a generation's, an album's and a tag's ids are distinct types (`RecordID<Record>`).
@_exported import struct DarkroomStore.RecordID
@_exported import typealias DarkroomStore.GenerationID
@_exported import typealias DarkroomStore.AlbumID
@_exported import typealias DarkroomStore.TagID
@_exported import typealias DarkroomStore.PromptID
@_exported import struct DarkroomStore.ImageRecord
@_exported import struct DarkroomStore.LibraryInfo
@_exported import struct DarkroomStore.LibraryStatistics
@_exported import struct DarkroomStore.AlbumSummary
@_exported import struct DarkroomStore.TagUsage
@_exported import struct DarkroomStore.PromptReuse
@_exported import struct DarkroomStore.PromptRecord
@_exported import enum DarkroomStore.SearchTermError
@_exported import struct DarkroomStore.StoredCredentials
@_exported import enum DarkroomStore.StoreError
@_exported import typealias DarkroomStore.TagRecord
@_exported import struct DarkroomImaging.PixelImage
// The samplers: one enum for the facade, the engine and the CLI's `--scheduler`.
@_exported import enum DarkroomEngine.SchedulerKind
@_exported import struct DarkroomStore.POSIXFailure
@_exported import struct DarkroomStore.SafetyFlagRecord
@_exported import enum DarkroomStore.StableID
@_exported import enum DarkroomStore.TimestampFormat
@_exported import enum DarkroomImaging.PNGCodec
@_exported import enum DarkroomImaging.TextLimitNote
// Errors a sync run can end with, so an app (and the CLI) can tell them apart.
@_exported import enum DarkroomCrypto.CryptoError
@_exported import enum DarkroomSync.EnvelopeError
@_exported import struct DarkroomSync.PairingCode
@_exported import enum DarkroomSync.SyncError
@_exported import enum DarkroomSync.TransportError
// Library sync (the target below the facade): the driver and what a run reports.
@_exported import class DarkroomLibrarySync.LibrarySync
@_exported import struct DarkroomLibrarySync.SyncRunReport
@_exported import struct DarkroomLibrarySync.SyncStatus
@_exported import struct DarkroomLibrarySync.DeviceSummary
@_exported import struct DarkroomLibrarySync.SyncProgress
@_exported import enum DarkroomLibrarySync.SyncFailure
@_exported import enum DarkroomLibrarySync.TransportSpec
// What Content Credentials say about a picture (`Library.verifyCredentials`, `darkroom credentials`).
@_exported import struct DarkroomCredentials.CredentialsReport
@_exported import struct DarkroomCredentials.CredentialsVerifier
// Showing pictures and untrusted text in a terminal: for command-line clients of the library.
@_exported import enum DarkroomImaging.TerminalImageProtocol
@_exported import enum DarkroomImaging.TerminalImageRenderer
@_exported import enum DarkroomImaging.TerminalText
