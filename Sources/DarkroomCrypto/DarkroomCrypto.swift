/// Namespace for the `DarkroomCrypto` module.
public enum DarkroomCryptoModule {}
