import ArgumentParser
import Darkroom
import Foundation

/// The documented exit codes of `darkroom` (see docs/cli.md). Each kind of failure has its own.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    /// An unexpected internal error.
    case internalError = 1
    /// A library, id, file, album or tag that does not exist.
    case notFound = 2
    /// An id prefix that matches several rows.
    case ambiguousID = 3
    /// A file that is not a picture Darkroom can read, or is unreadable.
    case invalidInput = 4
    /// A library written by a newer Darkroom.
    case newerLibrary = 5
    /// A damaged library database.
    case corruptLibrary = 6
    /// Disk full or another I/O failure.
    case ioFailure = 7
    /// Another process held the library too long.
    case busy = 8
    /// No generator: no model, or the engine cannot load it.
    case generatorUnavailable = 9
    /// The generator failed while running.
    case generationFailed = 10
    /// A value that breaks a rule (rating out of range, duplicate album name…).
    case invalidValue = 11
    /// Some files of an import failed (the others were imported).
    case partialFailure = 12
    /// The safety policy refused the prompt.
    case refusedByPolicy = 13
    /// `verify` found a generation that does not reproduce.
    case notReproduced = 14
    /// `sync run` detected tampered, replayed, rolled-back or withheld data (applied nothing of it).
    case syncViolation = 15
    /// The sync transport failed (unreachable folder or relay, refused request).
    case syncTransport = 16
    /// Sync is not set up, waits for admission, or this device was revoked.
    case syncNotReady = 17
    /// The library is read-only (read-only mount, another user's files): a command that changes it was refused.
    case readOnlyLibrary = 18
    /// `credentials` found Content Credentials that do not verify (hash mismatch, bad signature, malformed).
    case credentialsInvalid = 19
    /// The keys or certificates to sign Content Credentials with cannot be used.
    case credentialsUnavailable = 20
    /// The model a generation was made with is not available here (`rerun`, `verify`, `vary`).
    case modelUnavailable = 21
    /// A LoRA or embedding named by `--lora`, `<lora:…>` or a recorded generation is not found.
    case loraNotFound = 22
    /// Wrong flags or arguments (ArgumentParser's usage error).
    case usage = 64
    /// Cancelled by Ctrl-C.
    case cancelled = 130

    /// The code for a Darkroom error, or nil for errors ArgumentParser renders itself.
    static func code(for error: any Error) -> ExitStatus? {
        switch error {
        case let error as StoreError:
            switch error {
            case .libraryNotFound, .notFound: return .notFound
            case .ambiguousID: return .ambiguousID
            case .newerSchema: return .newerLibrary
            case .corruptDatabase, .lostCommits: return .corruptLibrary
            case .readOnlyLibrary: return .readOnlyLibrary
            case .diskFull, .ioFailure: return .ioFailure
            case .busy: return .busy
            case .invalidValue, .duplicateName: return .invalidValue
            }
        case let error as LibraryError:
            switch error {
            case .fileNotFound, .missingImageFile: return .notFound
            case .unreadableFile, .notAnImage: return .invalidInput
            case .generatorUnavailable: return .generatorUnavailable
            case .generationFailed: return .generationFailed
            case .cancelled: return .cancelled
            case .invalidArgument, .unknownScheduler: return .invalidValue
            case .promptRefused: return .refusedByPolicy
            case .credentialsUnavailable: return .credentialsUnavailable
            case .modelUnavailable: return .modelUnavailable
            case .modelNotFound: return .generatorUnavailable
            case .loraNotFound: return .loraNotFound
            }
        case let error as SyncFailure:
            switch error {
            case .transport, .recoveryNotFound: return .syncTransport
            case .busy: return .busy
            case .invalidTransport, .invalidLibraryID, .emptyDeviceName, .cannotRevokeThisDevice, .alreadyRevoked,
                 .unknownDevice, .ambiguousDevice: return .invalidValue
            default: return .syncNotReady
            }
        case is TransportError:
            return .syncTransport
        case is SyncError, is EnvelopeError:
            return .syncViolation
        case is CryptoError:
            return .invalidValue
        case is CancellationError:
            return .cancelled
        case let error as POSIXFailure:
            return [EROFS, EACCES, EPERM].contains(error.code) ? .readOnlyLibrary : .ioFailure
        default:
            return nil
        }
    }
}

/// A failure the CLI reports with its own message and code.
struct CLIFailure: Error {
    var code: ExitStatus
    var message: String
}
