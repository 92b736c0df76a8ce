-- sirtplan schema, version 9: an account's language for the web application ('en' English,
-- 'fr' French); NULL: the site's language (sirt-settings `site.language`). The user sets it
-- themself (sirt-server `PATCH /api/account`); audited as `user.language`.

ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'fr'));
