/// Namespace for the `DarkroomEngine` module.
public enum DarkroomEngineModule {}
