-- Darkroom library schema, version 12: each device's Content Credentials authority, shared with the other devices.
--
-- `device.credentials_authority` holds the PEM certificate of the credentials authority of the device's library copy
-- (docs/credentials.md). It syncs as a device field, so each device can trust the pictures its owner's other devices
-- sign: every sync run records the authorities of the library's active members as trusted signers (sync_meta
-- `credentials-trusted`); a revoked device's authority stops being trusted at the next run.

ALTER TABLE device ADD COLUMN credentials_authority TEXT;

-- Its capture trigger (`sync_device_credentials`) is made by step 0013 (SyncCapture.swift).
