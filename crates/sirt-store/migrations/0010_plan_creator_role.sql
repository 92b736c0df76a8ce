-- sirtplan schema, version 10: the role of the account that created a plan version, at the time
-- (the "Prepared by" line of the report's sign-off block). NULL for versions created before this
-- migration and for versions created by the system (the CLI): the block then prints "—" as role.

ALTER TABLE plans ADD COLUMN created_by_role TEXT;
