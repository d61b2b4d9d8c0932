/// Namespace for the `DarkroomStore` module.
public enum DarkroomStoreModule {}
