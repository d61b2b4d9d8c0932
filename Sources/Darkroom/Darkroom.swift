/// Namespace for the `Darkroom` facade.
public enum DarkroomModule {}
