-- sirtplan schema, version 6: a patient's pseudonym, the identifier a case file or a RECIST
-- file may carry instead of the MRN (sirt-server's identity check of attached files). Optional;
-- unique among pseudonyms (several patients may have none), so that a file's identifier names at
-- most one patient by pseudonym.

ALTER TABLE patients ADD COLUMN pseudonym TEXT;
CREATE UNIQUE INDEX patients_pseudonym ON patients (pseudonym);
