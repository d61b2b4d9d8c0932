import Foundation
import GRDB

/// A safety flag on a generation: what flagged it, how sure it was, and whether someone cleared it.
///
/// A flag never destroys anything: while it is active (``clearedAt`` is nil) the generation is hidden
/// from listings, previews, export and sync unless asked for. Clearing keeps the row as audit trail.
public struct SafetyFlagRecord: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static let databaseTableName = "safety_flag"

    /// Stable random id.
    public var id: String
    /// The flagged generation.
    public var generationID: GenerationID
    /// The detector's name (`prompt-policy`, `skin-tone-area`, …).
    public var detector: String
    /// The detector's version.
    public var detectorVersion: String
    /// The detector's score.
    public var score: Double
    /// The threshold the score met.
    public var threshold: Double
    /// What was done (`hide`).
    public var action: String
    /// A sentence a person can read.
    public var reason: String
    /// When it was cleared (nil while active).
    public var clearedAt: Date?
    /// Who cleared it.
    public var clearedBy: String?

    /// The columns requests filter and order on.
    public enum Columns {
        static let generationID = Column("generation_id")
        static let clearedAt = Column("cleared_at")
        static let createdAt = Column("created_at")
    }
    /// When it was flagged.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, generationID = "generationId", detector, detectorVersion, score, threshold, action, reason,
             clearedAt, clearedBy, createdAt, modifiedAt
    }

    /// A new active flag.
    public init(generationID: GenerationID, detector: String, detectorVersion: String, score: Double, threshold: Double,
                reason: String, now: Date = Date()) {
        self.id = StableID.make()
        self.generationID = generationID
        self.detector = detector
        self.detectorVersion = detectorVersion
        self.score = score
        self.threshold = threshold
        self.action = "hide"
        self.reason = reason
        self.clearedAt = nil
        self.clearedBy = nil
        self.createdAt = now
        self.modifiedAt = now
    }
}

/// An audited policy event: a refused prompt, or the policy switched off or on.
public struct PolicyEventRecord: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static let databaseTableName = "policy_event"

    /// Kinds of event.
    public enum Kind: String, Codable, Sendable { case promptRefused = "prompt_refused", policyDisabled = "policy_disabled", policyEnabled = "policy_enabled" }

    /// Stable random id.
    public var id: String
    /// What happened.
    public var kind: Kind
    /// The rule that refused (for refusals).
    public var rule: String
    /// The refused prompt (stays on the device; never synced).
    public var prompt: String
    /// The device it happened on.
    public var deviceID: String?
    /// When.
    public var createdAt: Date

    enum CodingKeys: String, CodingKey { case id, kind, rule, prompt, deviceID = "deviceId", createdAt }

    /// The columns requests filter and order on.
    public enum Columns {
        static let createdAt = Column("created_at")
    }

    /// A new event.
    public init(kind: Kind, rule: String = "", prompt: String = "", deviceID: String?, now: Date = Date()) {
        self.id = StableID.make()
        self.kind = kind
        self.rule = rule
        self.prompt = prompt
        self.deviceID = deviceID
        self.createdAt = now
    }
}
