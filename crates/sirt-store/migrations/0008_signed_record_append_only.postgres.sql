-- The signed record is append-only, as the audit log (migration 2): the database itself refuses
-- to change or remove a signature, an acknowledgement, a frozen report or a delivery addendum.
CREATE FUNCTION signed_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER plan_signatures_no_update BEFORE UPDATE OR DELETE ON plan_signatures
    FOR EACH ROW EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_signatures_no_truncate BEFORE TRUNCATE ON plan_signatures
    FOR EACH STATEMENT EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_acknowledgements_no_update BEFORE UPDATE OR DELETE ON plan_acknowledgements
    FOR EACH ROW EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_acknowledgements_no_truncate BEFORE TRUNCATE ON plan_acknowledgements
    FOR EACH STATEMENT EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_frozen_no_update BEFORE UPDATE OR DELETE ON plan_frozen
    FOR EACH ROW EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_frozen_no_truncate BEFORE TRUNCATE ON plan_frozen
    FOR EACH STATEMENT EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_delivery_addenda_no_update BEFORE UPDATE OR DELETE ON plan_delivery_addenda
    FOR EACH ROW EXECUTE FUNCTION signed_record_append_only();
CREATE TRIGGER plan_delivery_addenda_no_truncate BEFORE TRUNCATE ON plan_delivery_addenda
    FOR EACH STATEMENT EXECUTE FUNCTION signed_record_append_only();
