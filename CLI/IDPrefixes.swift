import Darkroom

/// Ids as a person types them: any unique prefix of a generation id, as git does with commit hashes, and
/// albums by name. The library takes typed ids; the CLI resolves what was typed once, before acting.
extension GlobalOptions {
    /// Opens the library and resolves `prefixes` to full generation ids.
    func open(resolving prefixes: [String]) async throws -> (Library, [GenerationID]) {
        let library = try await open()
        return (library, try await library.resolveIDs(prefixes))
    }

    /// The one shape of every command that edits items: open the library, resolve what was typed once, make
    /// `change` (the library applies it to all the ids or none), and print what `report` says of the ids changed.
    func edit(_ prefixes: [String], report: ([GenerationID]) -> String,
              _ change: (Library, [GenerationID]) async throws -> [GenerationID]) async throws {
        let (library, ids) = try await open(resolving: prefixes)
        Console.print(report(try await change(library, ids)))
    }
}

extension Library {
    /// The item whose id starts with `prefix`.
    func item(prefix: String) async throws -> GalleryItem {
        try await item(resolveIDs([prefix])[0])
    }
}

