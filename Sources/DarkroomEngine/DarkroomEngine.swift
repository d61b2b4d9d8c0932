/// Namespace for the `DarkroomEngine` module.
public enum DarkroomEngineModule {}

/// Facts about this engine build recorded with every generated image.
public enum DarkroomEngineInfo {
    /// The engine's version; changes whenever numerics may change.
    public static let version = "0.1.0"
}
