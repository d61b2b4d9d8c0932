import DarkroomStore
import Foundation

/// A setting's effective value and where it came from.
public struct ResolvedSetting: Sendable, Equatable, Codable {
    /// Where a value came from: this device's override, the synced value, or the built-in default.
    public enum Origin: String, Sendable, Codable { case device, synced, `default` }
    /// The setting name.
    public var key: String
    /// The value as JSON text.
    public var value: String
    /// Where the value came from.
    public var origin: Origin

    /// A resolved value.
    public init(key: String, value: String, origin: Origin) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}

/// The settings Darkroom knows, with their built-in defaults (JSON text) and meaning: ``SettingKey/all``
/// in the shape earlier versions offered.
public enum SettingsCatalog {
    /// A known setting.
    public struct Entry: Sendable {
        /// Name.
        public var key: String
        /// Default value, as JSON.
        public var defaultValue: String
        /// What it controls.
        public var summary: String
    }

    /// Every known setting.
    public static let entries: [Entry] = SettingKey.all.map { Entry(key: $0.name, defaultValue: $0.defaultValue, summary: $0.summary) }

    /// The entry for `key`, if known.
    public static func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }
}

/// What setting a value did: the value stored and the one it replaced.
public struct SettingChange: Sendable, Equatable {
    /// The setting name.
    public var key: String
    /// The value stored, as canonical JSON text (`"ddim"` for `DDIM`).
    public var value: String
    /// Synced to every device, or this device's override.
    public var scope: SettingRecord.Scope
    /// False for a name this version does not know, stored with `force`.
    public var isKnown: Bool
    /// The effective value before the change.
    public var previous: ResolvedSetting?
}

/// What removing a setting did.
public struct SettingRemoval: Sendable, Equatable {
    /// The setting name.
    public var key: String
    /// The scope removed from.
    public var scope: SettingRecord.Scope
    /// The value removed (JSON text), or nil when that scope held none.
    public var removedValue: String?
    /// The effective value now (the other scope's, or the default), or nil when none.
    public var effective: ResolvedSetting?
}

extension Library {
    /// Checks `value` for `key` (``SettingKey``) and stores it, synced to all devices or (`scope: .device`)
    /// as an override for this device only. Returns what it stored.
    ///
    /// `value` may be JSON or a plain word; it is stored in the setting's canonical spelling.
    /// - Parameter force: store a name this version does not know (a newer version may use it) as it is.
    /// - Throws: ``SettingError`` for a malformed or unknown name, a bad value, or `--device` on a setting
    ///   that is the same on every device.
    @discardableResult
    public func setSetting(_ key: String, value: String, scope: SettingRecord.Scope = .synced,
                           force: Bool = false) async throws -> SettingChange {
        let json = try Self.checkedSetting(key, value: value, scope: scope, force: force)
        let previous = try await setting(key)
        try await database.saveSetting(key, scope: scope, json: json)
        return SettingChange(key: key, value: json, scope: scope, isKnown: SettingKey.named(key) != nil, previous: previous)
    }

    /// ``setSetting(_:value:scope:force:)``, with `safety.enabled` going through ``setSafetyEnabled(_:)`` so the
    /// switch is recorded in the audit trail. What a settings screen or `darkroom settings set` calls.
    @discardableResult
    public func applySetting(_ key: String, value: String, scope: SettingRecord.Scope = .synced,
                             force: Bool = false) async throws -> SettingChange {
        guard key == Self.safetyEnabledKey else { return try await setSetting(key, value: value, scope: scope, force: force) }
        let json = try Self.checkedSetting(key, value: value, scope: scope, force: force)
        let previous = try await setting(key)
        try await setSafetyEnabled(json == "true")
        return SettingChange(key: key, value: json, scope: scope, isKnown: true, previous: previous)
    }

    /// The canonical JSON for `value`, or the reason `key`/`value` cannot be stored at `scope`.
    static func checkedSetting(_ key: String, value: String, scope: SettingRecord.Scope, force: Bool) throws -> String {
        guard SettingKey.isWellFormed(key) else { throw SettingError.malformedKey(key: key) }
        guard let known = SettingKey.named(key) else {
            guard force else { throw SettingError.unknownKey(key: key, suggestions: SettingKey.suggestions(for: key)) }
            return jsonText(value)
        }
        if scope == .device && !known.allowsDeviceOverride { throw SettingError.noDeviceOverride(key: key) }
        return try known.canonicalValue(for: value)
    }

    static let safetyEnabledKey = "safety.enabled"

    /// Removes a setting at one scope (the next scope's value, or the default, then applies) and says what
    /// it removed. Turning `safety.enabled` back on this way is recorded in the audit trail.
    @discardableResult
    public func removeSetting(_ key: String, scope: SettingRecord.Scope) async throws -> SettingRemoval {
        let before = try await setting(key)
        let deviceID = info.deviceID
        let removed = try await database.removeSetting(key, scope: scope)
        let after = try await setting(key)
        if key == Self.safetyEnabledKey, before?.value != after?.value, let now = after?.value {
            try await database.record(PolicyEventRecord(kind: now == "false" ? .policyDisabled : .policyEnabled, deviceID: deviceID))
        }
        return SettingRemoval(key: key, scope: scope, removedValue: removed, effective: after)
    }

    /// The effective value of `key`: device override, else synced, else the built-in default; nil if none.
    public func setting(_ key: String) async throws -> ResolvedSetting? {
        try await settings().first { $0.key == key }
    }

    /// Every setting that has a value, with its origin, by key.
    public func settings() async throws -> [ResolvedSetting] {
        let stored = try await database.settingRecords()
        var resolved: [String: ResolvedSetting] = [:]
        for key in SettingKey.all {
            resolved[key.name] = ResolvedSetting(key: key.name, value: key.defaultValue, origin: .default)
        }
        for record in stored where record.scope == .synced {
            resolved[record.key] = ResolvedSetting(key: record.key, value: record.value, origin: .synced)
        }
        for record in stored where record.scope == .device {
            resolved[record.key] = ResolvedSetting(key: record.key, value: record.value, origin: .device)
        }
        return resolved.values.sorted { $0.key < $1.key }
    }

    /// How long trashed generations are kept: the `trash.retention_days` setting (this device's override,
    /// else the synced value), else ``Library/trashRetention``. A stored value that is not a valid day count
    /// (written before values were checked) counts as unset.
    static func trashRetention(_ database: LibraryDatabase) throws -> TimeInterval {
        let key = SettingKey.named("trash.retention_days")!
        let byScope = try database.settingValues(key.name)
        for scope in [SettingRecord.Scope.device, .synced] {
            if let value = byScope[scope], let days = (try? key.canonicalValue(for: value)).flatMap(Double.init) {
                return days * 86_400
            }
        }
        return Library.trashRetention
    }

    /// `value` if it is valid JSON, else `value` as a JSON string.
    static func jsonText(_ value: String) -> String {
        if let data = value.data(using: .utf8),
           (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
            return value
        }
        let encoded = try! JSONEncoder().encode(value)
        return String(decoding: encoded, as: UTF8.self)
    }
}
