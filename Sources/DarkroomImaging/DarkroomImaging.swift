/// Namespace for the `DarkroomImaging` module.
public enum DarkroomImagingModule {}
