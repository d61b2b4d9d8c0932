import Darkroom
import Foundation

extension LibrarySync {
    /// Sync for a CLI command: the device key from `$DARKROOM_KEY_DIR` (or the default key
    /// folder), or, when `$DARKROOM_SYNC_PASSPHRASE` is set, sealed under that passphrase in the
    /// library (set it for `sync init`/`join`/`recover` to choose passphrase protection, and for
    /// every later command of that library).
    static func forCLI(_ library: Library) -> LibrarySync {
        let passphrase = ProcessInfo.processInfo.environment["DARKROOM_SYNC_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
        return LibrarySync(library: library, keyDirectory: cliKeyDirectory, passphrase: passphrase)
    }

    /// `$DARKROOM_KEY_DIR` when set; else nil, the library's default (``LibrarySync/defaultKeyDirectory()``).
    static var cliKeyDirectory: URL? {
        ProcessInfo.processInfo.environment["DARKROOM_KEY_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
    }
}
