-- Darkroom library schema, version 10: what a picture's Content Credentials (C2PA) say.
--
-- Filled when a picture is made here (Darkroom's own manifest) or imported (whatever tool signed it),
-- from the file's manifest store as Darkroom verified it then. Derived from the file, so it is not
-- synced (a device that receives the file reads it itself); NULL until read.
--
-- credentials:         'valid', 'untrusted' (valid, signer not on a trust list), 'invalid', 'none'
-- credentials_ai:      1 when the active manifest says the picture was made by a generative model
--                      (digitalSourceType trainedAlgorithmicMedia or compositeWithTrainedAlgorithmicMedia)
-- credentials_report:  the verification report as JSON (signer, generator, actions, ingredients, reason)

ALTER TABLE image ADD COLUMN credentials TEXT
    CHECK (credentials IS NULL OR credentials IN ('valid', 'untrusted', 'invalid', 'none'));
ALTER TABLE image ADD COLUMN credentials_ai INTEGER CHECK (credentials_ai IS NULL OR credentials_ai IN (0, 1));
ALTER TABLE image ADD COLUMN credentials_report TEXT;

CREATE INDEX image_credentials ON image (credentials, credentials_ai) WHERE credentials IS NOT NULL;
