import Foundation

/// Where the library lives when none is named.
public enum LibraryLocation {
    /// `explicit` when given, else `$DARKROOM_LIBRARY`, else `$XDG_DATA_HOME/darkroom/library`,
    /// else `~/.local/share/darkroom/library`.
    public static func resolve(explicit: String?, environment: [String: String]) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let path = environment["DARKROOM_LIBRARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return URL(fileURLWithPath: dataHome).appendingPathComponent("darkroom/library")
    }
}
