import DarkroomStore
import Foundation
import GRDB

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

/// The settings Darkroom knows, with their built-in defaults (JSON text) and meaning.
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

    /// The built-in generation defaults, which the `generate.*` entries show as their defaults.
    private static let generation = GenerationDefaults()

    /// Every known setting. Unknown keys may still be stored (a newer version may use them).
    public static let entries: [Entry] = [
        Entry(key: "generate.steps", defaultValue: "\(generation.steps)", summary: "denoising steps"),
        Entry(key: "generate.guidance", defaultValue: "\(generation.guidance)", summary: "classifier-free guidance scale"),
        Entry(key: "generate.scheduler", defaultValue: "\"\(generation.scheduler)\"", summary: "scheduler"),
        Entry(key: "generate.size", defaultValue: "\"\(generation.width)x\(generation.height)\"", summary: "output size WxH"),
        Entry(key: "generate.model", defaultValue: "null", summary: "model folder (null: the shipped default model)"),
        Entry(key: "generate.seed_mode", defaultValue: "\"\(generation.seedMode)\"", summary: "random or fixed seed when --seed is not given"),
        Entry(key: "generate.seed", defaultValue: "\(generation.fixedSeed)", summary: "the seed used when seed_mode is fixed"),
        Entry(key: "trash.retention_days", defaultValue: "30", summary: "days a trashed item is kept"),
        Entry(key: "safety.enabled", defaultValue: "true", summary: "prompt policy and picture flagging on or off"),
        Entry(key: "safety.blocklist", defaultValue: "[]", summary: "extra blocked prompt terms (JSON array)"),
        Entry(key: "safety.skin_threshold", defaultValue: "0.55", summary: "skin-tone-area detector threshold (0-1)"),
        Entry(key: "sync.pictures", defaultValue: "\"eager\"", summary: "eager: sync run downloads every picture; lazy: only when shown, exported or fetched (set per device with --device)"),
    ]

    /// The entry for `key`, if known.
    public static func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }
}

extension Library {
    /// Sets a setting, synced to all devices or (`scope: .device`) an override for this device only.
    ///
    /// `value` must be JSON; plain words are stored as JSON strings.
    public func setSetting(_ key: String, value: String, scope: SettingRecord.Scope = .synced) async throws {
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw StoreError.invalidValue("A setting name uses letters, digits, '.', '_' and '-'; got '\(key)'.")
        }
        let json = Self.jsonText(value)
        try await database.write { db in
            let now = Date()
            try db.execute(sql: """
                INSERT INTO setting (key, scope, value, created_at, modified_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key, scope) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at
                """, arguments: [key, scope.rawValue, json, now, now])
        }
    }

    /// Removes a setting at one scope (the next scope's value then applies).
    public func removeSetting(_ key: String, scope: SettingRecord.Scope) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM setting WHERE key = ? AND scope = ?", arguments: [key, scope.rawValue])
        }
    }

    /// The effective value of `key`: device override, else synced, else the built-in default; nil if none.
    public func setting(_ key: String) async throws -> ResolvedSetting? {
        try await settings().first { $0.key == key }
    }

    /// Every setting that has a value, with its origin, by key.
    public func settings() async throws -> [ResolvedSetting] {
        let stored = try await database.read { db in try SettingRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM setting")) }
        var resolved: [String: ResolvedSetting] = [:]
        for entry in SettingsCatalog.entries {
            resolved[entry.key] = ResolvedSetting(key: entry.key, value: entry.defaultValue, origin: .default)
        }
        for record in stored where record.scope == .synced {
            resolved[record.key] = ResolvedSetting(key: record.key, value: record.value, origin: .synced)
        }
        for record in stored where record.scope == .device {
            resolved[record.key] = ResolvedSetting(key: record.key, value: record.value, origin: .device)
        }
        return resolved.values.sorted { $0.key < $1.key }
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
