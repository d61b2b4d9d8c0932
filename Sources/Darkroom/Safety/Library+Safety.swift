import DarkroomImaging
import DarkroomStore
import Foundation

/// The safety policy in force for a library, from its settings.
public struct SafetyConfiguration: Sendable {
    /// False when the user switched the policy off (`safety.enabled false`).
    public var enabled: Bool
    /// The prompt rules.
    public var promptPolicy: PromptPolicy
    /// The picture detectors.
    public var detectors: [any ImageSafetyDetector]

    /// The flags `image` earns for generation `generationID` (none when the policy is off).
    public func flags(for image: PixelImage, generationID: GenerationID, now: Date = Date()) -> [SafetyFlagRecord] {
        guard enabled else { return [] }
        return detectors.compactMap { detector in
            let score = detector.score(image)
            guard score >= detector.threshold else { return nil }
            return SafetyFlagRecord(generationID: generationID, detector: detector.name, detectorVersion: detector.version,
                                    score: score, threshold: detector.threshold, reason: detector.reason(score: score), now: now)
        }
    }
}

extension Library {
    /// The safety policy as the settings say: `safety.enabled` (default true), `safety.blocklist`
    /// (extra terms, a JSON array), `safety.skin_threshold` (default 0.55).
    public func safetyConfiguration() async throws -> SafetyConfiguration {
        let settings = try await librarySettings()
        return SafetyConfiguration(enabled: settings.safetyEnabled, promptPolicy: .standard(extraTerms: settings.safetyBlocklist),
                                   detectors: [SkinToneAreaDetector(threshold: settings.skinThreshold)])
    }

    /// Refuses `prompt` when the policy is on and a rule matches, recording the refusal.
    ///
    /// - Throws: ``LibraryError/promptRefused(rule:)``.
    public func checkPrompt(_ prompt: String) async throws {
        let configuration = try await safetyConfiguration()
        guard configuration.enabled, let rule = configuration.promptPolicy.violation(in: prompt) else { return }
        let deviceID = info.deviceID
        try await database.record(PolicyEventRecord(kind: .promptRefused, rule: rule.name, prompt: prompt, deviceID: deviceID))
        throw LibraryError.promptRefused(rule: rule.name)
    }

    /// Turns the safety policy on or off, recording the change in the audit trail.
    public func setSafetyEnabled(_ enabled: Bool) async throws {
        try await setSetting("safety.enabled", value: enabled ? "true" : "false")
        let deviceID = info.deviceID
        try await database.record(PolicyEventRecord(kind: enabled ? .policyEnabled : .policyDisabled, deviceID: deviceID))
    }

    /// Safety flags, newest first; active ones only unless `includeCleared`.
    public func flags(includeCleared: Bool = false) async throws -> [SafetyFlagRecord] {
        try await database.safetyFlags(includeCleared: includeCleared)
    }

    /// The flags of one generation (active and cleared).
    public func flags(of generationID: GenerationID) async throws -> [SafetyFlagRecord] {
        try await database.safetyFlags(of: generationID)
    }

    /// Clears the active flags of a generation, recording who cleared them. Returns how many were cleared.
    @discardableResult
    public func unflag(_ id: GenerationID, by person: String) async throws -> Int {
        try await database.clearSafetyFlags(id, by: person)
    }

    /// True when the generation has an active flag.
    public func isFlagged(_ generationID: GenerationID) async throws -> Bool {
        try await database.isFlagged(generationID)
    }

    /// Refused prompts and policy switches, newest first.
    public func policyEvents(limit: Int = 100) async throws -> [PolicyEventRecord] {
        try await database.policyEvents(limit: limit)
    }
}
