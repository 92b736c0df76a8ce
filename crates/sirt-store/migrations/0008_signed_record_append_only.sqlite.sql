-- The signed record is append-only, as the audit log (migration 2): the database itself refuses
-- to change or remove a signature, an acknowledgement, a frozen report or a delivery addendum.
CREATE TRIGGER plan_signatures_no_update BEFORE UPDATE ON plan_signatures
BEGIN
    SELECT RAISE(ABORT, 'plan_signatures is append-only');
END;
CREATE TRIGGER plan_signatures_no_delete BEFORE DELETE ON plan_signatures
BEGIN
    SELECT RAISE(ABORT, 'plan_signatures is append-only');
END;
CREATE TRIGGER plan_acknowledgements_no_update BEFORE UPDATE ON plan_acknowledgements
BEGIN
    SELECT RAISE(ABORT, 'plan_acknowledgements is append-only');
END;
CREATE TRIGGER plan_acknowledgements_no_delete BEFORE DELETE ON plan_acknowledgements
BEGIN
    SELECT RAISE(ABORT, 'plan_acknowledgements is append-only');
END;
CREATE TRIGGER plan_frozen_no_update BEFORE UPDATE ON plan_frozen
BEGIN
    SELECT RAISE(ABORT, 'plan_frozen is append-only');
END;
CREATE TRIGGER plan_frozen_no_delete BEFORE DELETE ON plan_frozen
BEGIN
    SELECT RAISE(ABORT, 'plan_frozen is append-only');
END;
CREATE TRIGGER plan_delivery_addenda_no_update BEFORE UPDATE ON plan_delivery_addenda
BEGIN
    SELECT RAISE(ABORT, 'plan_delivery_addenda is append-only');
END;
CREATE TRIGGER plan_delivery_addenda_no_delete BEFORE DELETE ON plan_delivery_addenda
BEGIN
    SELECT RAISE(ABORT, 'plan_delivery_addenda is append-only');
END;
