import PostgresNIO

/// The relay's tables on PostgreSQL, created (idempotently) when a process starts.
enum PostgresRelaySchema {
    static let statements: [PostgresQuery] = [
        """
        CREATE TABLE IF NOT EXISTS relay_libraries (
            library TEXT PRIMARY KEY, last_seq BIGINT NOT NULL, membership_version BIGINT NOT NULL,
            membership BYTEA NOT NULL, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS relay_devices (
            library TEXT NOT NULL, device TEXT NOT NULL, signing_key BYTEA NOT NULL, active BOOLEAN NOT NULL,
            PRIMARY KEY (library, device))
        """,
        """
        CREATE TABLE IF NOT EXISTS relay_objects (
            library TEXT NOT NULL, name TEXT NOT NULL, seq BIGINT NOT NULL, size BIGINT NOT NULL,
            digest BYTEA NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (library, name))
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS relay_objects_by_seq ON relay_objects (library, seq)",
        """
        CREATE TABLE IF NOT EXISTS relay_chunks (
            library TEXT NOT NULL, name TEXT NOT NULL, byte_offset BIGINT NOT NULL, data BYTEA NOT NULL,
            PRIMARY KEY (library, name, byte_offset))
        """,
        """
        CREATE TABLE IF NOT EXISTS relay_uploads (
            library TEXT NOT NULL, name TEXT NOT NULL, byte_offset BIGINT NOT NULL, data BYTEA NOT NULL,
            created_at BIGINT NOT NULL, PRIMARY KEY (library, name, byte_offset))
        """,
        """
        CREATE TABLE IF NOT EXISTS relay_used_nonces (
            expires_at BIGINT NOT NULL, library TEXT NOT NULL, device TEXT NOT NULL, nonce TEXT NOT NULL,
            PRIMARY KEY (expires_at, library, device, nonce))
        """,
        // The nonces of a database from before relay_used_nonces (keyed by time first: RelayStorage.useNonce).
        """
        DO $$ BEGIN
            IF to_regclass('relay_nonces') IS NOT NULL THEN
                INSERT INTO relay_used_nonces (expires_at, library, device, nonce)
                SELECT expires_at, library, device, nonce FROM relay_nonces ON CONFLICT DO NOTHING;
                DROP TABLE relay_nonces;
            END IF;
        END $$
        """,
    ]
}
