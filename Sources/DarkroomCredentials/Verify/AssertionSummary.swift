/// Reads what the report shows from the assertions it understands: actions, ingredients and
/// Darkroom's generation settings.
enum AssertionSummary {
    /// Darkroom's own assertion label.
    static let darkroomLabel = "app.darkroom.generation"

    static func add(label: String, content: CBOR, to report: inout CredentialsReport) {
        let base = label.split(separator: "_", maxSplits: 1).first.map(String.init) ?? label
        switch base {
        case "c2pa.actions", "c2pa.actions.v2":
            for action in content["actions"]?.arrayValue ?? [] {
                guard let name = action["action"]?.textValue else { continue }
                report.actions.append(name)
                if report.digitalSourceType == nil { report.digitalSourceType = action["digitalSourceType"]?.textValue }
            }
        case "c2pa.ingredient", "c2pa.ingredient.v2", "c2pa.ingredient.v3":
            report.ingredients.append(CredentialsReport.Ingredient(title: content["dc:title"]?.textValue,
                                                                   relationship: content["relationship"]?.textValue))
        case darkroomLabel:
            var fields: [String: String] = [:]
            for pair in content.mapValue ?? [] {
                guard let key = pair.key.textValue else { continue }
                fields[key] = pair.value.textValue ?? pair.value.intValue.map(String.init) ?? pair.value.doubleValue.map { "\($0)" }
                    ?? pair.value.uint64Value.map(String.init)
            }
            report.generation = fields
        default:
            break
        }
    }
}
