import DarkroomImaging
import DarkroomLibrarySync
import DarkroomStore
import Foundation

/// What sync needs of a library (`SyncedLibrary`): sync sits below the facade, so the facade
/// hands it the few things only the facade knows.
extension Library: SyncedLibrary {
    package func syncsPicturesLazily() async throws -> Bool {
        try await librarySettings().syncPictures == .lazy
    }

    package func storeSyncedPicture(png: Data, pixels: PixelImage) async throws {
        // What its Content Credentials say is derived from the file, so each device reads it itself.
        let credentials = Self.stored(await credentials(ofFile: png))
        _ = try await storePicture(png: png, pixels: pixels, credentials: credentials, with: .pictureOnly)
    }
}

extension LibrarySync {
    /// Sync for `library`.
    ///
    /// The device key that seals this device's sync keys at rest lives in a file (mode 0600) in
    /// `keyDirectory` (default: ``defaultKeyDirectory()``), or, when sync was set up with a
    /// `passphrase`, sealed under it in the library (Argon2id, `PassphraseKeyDerivation.Limits.standard`);
    /// such a library needs the same passphrase on every call. `interposer`, when given, wraps
    /// every transport opened (tests use it to inject faults).
    public convenience init(library: Library, keyDirectory: URL? = nil, passphrase: String? = nil, interposer: TransportInterposer? = nil) {
        self.init(syncing: library, keyDirectory: keyDirectory, passphrase: passphrase, interposer: interposer)
    }
}
