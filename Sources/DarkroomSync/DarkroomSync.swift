/// Namespace for the `DarkroomSync` module.
public enum DarkroomSyncModule {}
