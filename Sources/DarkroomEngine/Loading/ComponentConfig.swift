import Foundation

/// A component's `config.json` (or `model_index.json`), read with typed, defaulted accessors.
///
/// Wrong types throw `ModelLoadError.invalidConfig` naming the field; `require` rejects
/// values the engine does not implement with `unsupportedConfig`.
struct ComponentConfig {
    /// The component name used in messages.
    let component: String
    /// The file the config came from.
    let path: String
    /// The raw JSON object.
    let values: [String: Any]
    /// The JSON text as read, for reproducibility records.
    let text: String

    /// Reads and parses the JSON object at `url`.
    init(component: String, url: URL) throws(ModelLoadError) {
        self.component = component
        path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw .missingFile(path: url.path, role: "\(component) config")
            }
            throw .unreadableFile(path: url.path, reason: "\(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .invalidConfig(path: url.path, detail: "not a JSON object")
        }
        values = object
        text = String(decoding: data, as: UTF8.self)
    }

    /// Whether `key` is present and not null.
    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    private func invalid(_ key: String, _ expected: String) -> ModelLoadError {
        .invalidConfig(path: path, detail: "field '\(key)' must be \(expected)")
    }

    /// An integer field, or `fallback` when absent.
    func int(_ key: String, default fallback: Int? = nil) throws(ModelLoadError) -> Int {
        guard has(key) else {
            if let fallback { return fallback }
            throw invalid(key, "present (an integer)")
        }
        guard let value = ComponentConfig.integer(values[key]!) else { throw invalid(key, "an integer") }
        return value
    }

    /// A number field, or `fallback` when absent.
    func float(_ key: String, default fallback: Float? = nil) throws(ModelLoadError) -> Float {
        guard has(key) else {
            if let fallback { return fallback }
            throw invalid(key, "present (a number)")
        }
        guard let raw = values[key], !(type(of: raw) == Bool.self), let number = raw as? NSNumber else { throw invalid(key, "a number") }
        return number.floatValue
    }

    /// A string field, or `fallback` when absent.
    func string(_ key: String, default fallback: String? = nil) throws(ModelLoadError) -> String {
        guard has(key) else {
            if let fallback { return fallback }
            throw invalid(key, "present (a string)")
        }
        guard let value = values[key] as? String else { throw invalid(key, "a string") }
        return value
    }

    /// A boolean field, or `fallback` when absent.
    func bool(_ key: String, default fallback: Bool) throws(ModelLoadError) -> Bool {
        guard has(key) else { return fallback }
        guard let value = values[key] as? Bool else { throw invalid(key, "true or false") }
        return value
    }

    /// A list of strings.
    func strings(_ key: String, default fallback: [String]? = nil) throws(ModelLoadError) -> [String] {
        guard has(key) else {
            if let fallback { return fallback }
            throw invalid(key, "present (a list of strings)")
        }
        guard let value = values[key] as? [String] else { throw invalid(key, "a list of strings") }
        return value
    }

    /// A list of integers.
    func ints(_ key: String, default fallback: [Int]? = nil) throws(ModelLoadError) -> [Int] {
        guard has(key) else {
            if let fallback { return fallback }
            throw invalid(key, "present (a list of integers)")
        }
        guard let list = values[key] as? [Any] else { throw invalid(key, "a list of integers") }
        var result: [Int] = []
        for item in list {
            guard let value = ComponentConfig.integer(item) else { throw invalid(key, "a list of integers") }
            result.append(value)
        }
        return result
    }

    /// An integer-or-list field expanded to `count` entries (an int repeats).
    func intPerBlock(_ key: String, count: Int, default fallback: Int? = nil) throws(ModelLoadError) -> [Int] {
        if has(key), let value = ComponentConfig.integer(values[key]!) { return Array(repeating: value, count: count) }
        if !has(key) {
            if let fallback { return Array(repeating: fallback, count: count) }
            throw invalid(key, "present")
        }
        let list = try ints(key)
        guard list.count == count else { throw invalid(key, "an integer or a list of \(count) integers") }
        return list
    }

    /// Throws `unsupportedConfig` unless `key` is absent/null or satisfies `isSupported`.
    func require(_ key: String, supported: String, _ isSupported: (Any) -> Bool) throws(ModelLoadError) {
        guard has(key) else { return }
        let value = values[key]!
        if !isSupported(value) {
            throw .unsupportedConfig(component: component, field: key, value: ComponentConfig.render(value), supported: supported)
        }
    }

    /// Throws `unsupportedConfig` unless `key` is absent or null.
    func requireNull(_ key: String) throws(ModelLoadError) {
        try require(key, supported: "null") { _ in false }
    }

    /// A compact rendering of a JSON value for messages.
    static func render(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if JSONSerialization.isValidJSONObject([value]),
           let data = try? JSONSerialization.data(withJSONObject: [value]) {
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        return "\(value)"
    }

    /// An integer from a JSON number (not a boolean, not fractional).
    static func integer(_ value: Any) -> Int? {
        guard !(type(of: value) == Bool.self), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }
}
