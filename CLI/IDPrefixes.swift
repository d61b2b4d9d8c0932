import Darkroom

/// Ids as a person types them: any unique prefix of a generation id, as git does with commit hashes.
/// The library takes full ids; the CLI resolves what was typed once, before acting.
extension GlobalOptions {
    /// Opens the library and resolves `prefixes` to full generation ids.
    func open(resolving prefixes: [String]) async throws -> (Library, [String]) {
        let library = try await open()
        return (library, try await library.resolveIDs(prefixes))
    }
}

extension Library {
    /// The item whose id starts with `prefix`.
    func item(prefix: String) async throws -> GalleryItem {
        try await item(resolveIDs([prefix])[0])
    }
}
