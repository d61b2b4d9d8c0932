import DarkroomStore
import DarkroomSync
import Foundation

/// What one `sync run` did.
public struct SyncRunReport: Sendable {
    /// Changes sent, and in how many envelopes.
    public var sentChanges = 0
    /// Envelopes written to this device's log.
    public var sentEnvelopes = 0
    /// Pictures uploaded and downloaded.
    public var uploadedBlobs = 0
    /// Pictures downloaded.
    public var downloadedBlobs = 0
    /// Envelopes received (verified) from other logs.
    public var receivedEnvelopes = 0
    /// What applying them did (including conflicts resolved: `superseded`).
    public var applied = SyncApplyReport()
    /// Devices admitted through a pairing code, with the fingerprint to compare.
    public var admitted: [(device: String, fingerprint: String)] = []
    /// Set when this run completed a join: the fingerprint to compare with the admitting device.
    public var joinedFingerprint: String?
    /// The membership changed (admission or revocation received).
    public var keyringUpdated = false
    /// Tombstones collected because every active device has acknowledged them.
    public var collectedTombstones = 0
    /// Changes too large for one envelope (over ``LibrarySync/envelopePayloadBudget`` on their
    /// own), not sent: `entity key field` each. Every later change was sent.
    public var skippedOversized: [String] = []
    /// Everything the verification noticed; violations make the run fail.
    public var detections: [Detection] = []

    /// The detections that are violations (anything but harmless reordering or duplicates).
    public var violations: [Detection] { detections.filter(\.isViolation) }
}

/// The state `sync status` shows.
public struct SyncStatus: Sendable {
    /// The sync library id.
    public var library: String
    /// This device's id.
    public var device: String
    /// The transport.
    public var transport: String
    /// Active and revoked members: id, name, active, whether it is this device.
    public var members: [DeviceSummary]
    /// Membership version and key epoch.
    public var membershipVersion: UInt64
    /// The current key epoch.
    public var epoch: UInt32
    /// Changes waiting to be sent.
    public var pendingChanges: Int
    /// Verified envelopes per log.
    public var logHeads: [String: UInt64]
    /// Pairing codes issued and not used yet.
    public var openPairings: Int
    /// Set while this device waits to be admitted.
    public var waitingForAdmission: Bool
    /// When the last `sync run` finished, and what it detected.
    public var lastRun: Date?
    /// Violations the last run detected (empty when clean).
    public var lastProblems: [String]
}

/// One device of the library.
public struct DeviceSummary: Sendable, Equatable {
    /// Device id.
    public var id: String
    /// The name people gave it ('' when unnamed).
    public var name: String
    /// False once revoked.
    public var active: Bool
    /// Whether this is the device running the command.
    public var isThisDevice: Bool
}
