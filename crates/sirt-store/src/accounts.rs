//! Accounts, sessions and login attempts.

use crate::audit::{Change, record};
use crate::model::{Account, Actor, Credentials, NewUser, Role, Session, User, UserChange};
use crate::{
    Backend, Store, StoreError, check_len, check_not_blank, is_unique_violation, limits, now,
};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

const USER_COLUMNS: &str = "id, username, display_name, role, disabled, created_at";

fn user_from(r: &AnyRow) -> Result<User, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Invalid {
            field: "users.role",
            expected: "a known role".into(),
            found: format!("`{role}`"),
        })?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

fn user_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id, "username": u.username, "display_name": u.display_name,
        "role": u.role.as_str(), "disabled": u.disabled,
    })
}

/// Refuses to disable or demote the actor's own account, or the last enabled administrator.
async fn check_no_lockout(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    before: &User,
    change: &UserChange,
) -> Result<(), StoreError> {
    let user_id = before.id;
    let disabling = change.disabled == Some(true) && !before.disabled;
    let demoting = before.role == Role::Admin && change.role.is_some_and(|r| r != Role::Admin);
    let lockout = if disabling {
        Some("disable")
    } else if demoting {
        Some("change the role of")
    } else {
        None
    };
    if let Some(what) = lockout {
        if actor.user_id == Some(user_id) {
            return Err(StoreError::OwnAccount {
                username: before.username.clone(),
                change: what,
            });
        }
        if before.role == Role::Admin && !before.disabled {
            let others: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
            )
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
            if others == 0 {
                return Err(StoreError::LastAdmin {
                    username: before.username.clone(),
                    change: what,
                });
            }
        }
    }
    Ok(())
}

/// Ends the sessions of a disabled account, or its other sessions (all but `keep_session`)
/// after a password change; returns how many.
async fn end_sessions(
    tx: &mut Transaction<'static, Any>,
    after: &User,
    change: &UserChange,
    keep_session: Option<&str>,
) -> Result<u64, StoreError> {
    let mut ended = 0;
    if after.disabled {
        ended += sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(after.id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    } else if change.password_hash.is_some() {
        ended += sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(after.id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(ended)
}

/// The audit action of an account change: `user.disable` / `user.enable` when only the
/// disabled flag changes, else `user.update`.
fn update_action(change: &UserChange) -> &'static str {
    let only_disabled =
        change.display_name.is_none() && change.role.is_none() && change.password_hash.is_none();
    match change.disabled {
        Some(true) if only_disabled => "user.disable",
        Some(false) if only_disabled => "user.enable",
        _ => "user.update",
    }
}

/// Refuses a password hash that is not a PHC string (`$argon2id$...`): the store never takes
/// a password itself.
fn check_phc(hash: &str) -> Result<(), StoreError> {
    if !hash.starts_with('$') {
        return Err(StoreError::Invalid {
            field: "password_hash",
            expected: "a PHC hash string".into(),
            found: "another text".into(),
        });
    }
    Ok(())
}

fn session_from(r: &AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id_hash: r.try_get("id_hash")?,
        user_id: r.try_get("user_id")?,
        csrf_token: r.try_get("csrf_token")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}

/// A session to open: the hash of its token (never the token), its CSRF token and its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the session token, hex.
    pub id_hash: String,
    /// Anti-CSRF token.
    pub csrf_token: String,
    /// When it ends unless used.
    pub expires_at: String,
    /// The client address, for the audit log.
    pub ip: String,
}

/// A login attempt read back for rate limiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    /// Instant.
    pub at: String,
    /// Whether it signed in.
    pub succeeded: bool,
}

impl Store {
    /// Creates an account. The username takes letters, digits, `.`, `_` and `-`.
    pub async fn create_user(&self, actor: &Actor, new: &NewUser) -> Result<User, StoreError> {
        check_len("username", &new.username, limits::USERNAME)?;
        check_not_blank("username", &new.username)?;
        if let Some(c) = new
            .username
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(StoreError::Invalid {
                field: "username",
                expected: "letters, digits, `.`, `_` or `-`".into(),
                found: format!("`{c}`"),
            });
        }
        check_len("display_name", &new.display_name, limits::PERSON_NAME)?;
        check_phc(&new.password_hash)?;
        let at = now();
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO users (username, display_name, role, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5) RETURNING {USER_COLUMNS}"
        ))
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate {
                    entity: "user",
                    field: "username",
                    value: new.username.clone(),
                }
            } else {
                e.into()
            }
        })?;
        let user = user_from(&row)?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "user.create",
                entity: "user",
                entity_id: user.id.to_string(),
                before: None,
                after: Some(user_json(&user)),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Disables or enables an account; disabling also ends its sessions. The same rules as
    /// [`Store::update_user`] (not one's own account, not the last enabled admin).
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let change = UserChange {
            disabled: Some(disabled),
            ..UserChange::default()
        };
        self.update_user(actor, user_id, &change, None).await
    }

    /// Changes an account (name shown, role, disabled, password hash) in one transaction with
    /// its audit row: `user.disable` or `user.enable` when only that changes, `user.update`
    /// otherwise; before and after without any hash, `password_changed` when a password was
    /// set, `sessions_ended` when sessions were ended. Disabling ends every session of the
    /// account; a new password ends them all but `keep_session` (the token hash of the caller's
    /// own session, when they change their own password). A role change holds from the
    /// account's next request (the role is read with the session).
    ///
    /// Refused, so that the site keeps an admin: disabling one's own account or giving it
    /// another role than admin ([`StoreError::OwnAccount`]), and disabling or demoting the
    /// last enabled admin ([`StoreError::LastAdmin`]). Account changes are serialised (SQLite:
    /// `BEGIN IMMEDIATE`; PostgreSQL: a lock on the users table that blocks other writers of
    /// it only), so two admins demoting each other at once leave one admin.
    pub async fn update_user(
        &self,
        actor: &Actor,
        user_id: i64,
        change: &UserChange,
        keep_session: Option<&str>,
    ) -> Result<User, StoreError> {
        if let Some(d) = &change.display_name {
            check_not_blank("display_name", d)?;
            check_len("display_name", d, limits::PERSON_NAME)?;
        }
        if let Some(h) = &change.password_hash {
            check_phc(h)?;
        }
        let at = now();
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let before = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            })?;
        let before = user_from(&before)?;
        check_no_lockout(&mut tx, actor, &before, change).await?;
        let row = sqlx::query(&format!(
            "UPDATE users SET display_name = COALESCE($1, display_name), role = COALESCE($2, role), \
             disabled = COALESCE($3, disabled), password_hash = COALESCE($4, password_hash) \
             WHERE id = $5 RETURNING {USER_COLUMNS}"
        ))
        .bind(change.display_name.as_deref())
        .bind(change.role.map(Role::as_str))
        .bind(change.disabled.map(i64::from))
        .bind(change.password_hash.as_deref())
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let after = user_from(&row)?;
        let ended = end_sessions(&mut tx, &after, change, keep_session).await?;
        let mut after_json = user_json(&after);
        if let Some(m) = after_json.as_object_mut() {
            if change.password_hash.is_some() {
                m.insert("password_changed".into(), json!(true));
            }
            if ended > 0 {
                m.insert("sessions_ended".into(), json!(ended));
            }
        }
        let action = update_action(change);
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action,
                entity: "user",
                entity_id: user_id.to_string(),
                before: Some(user_json(&before)),
                after: Some(after_json),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Every account with its last login, by username (no password hash).
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.created_at, \
             (SELECT MAX(a.at) FROM audit_log a WHERE a.entity = 'user' \
              AND a.action = 'session.login' AND a.entity_id = CAST(u.id AS TEXT)) AS last_login_at \
             FROM users u ORDER BY u.username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Account {
                    user: user_from(r)?,
                    last_login_at: r.try_get("last_login_at")?,
                })
            })
            .collect()
    }

    /// An account.
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        user_from(&self.row_by_id(&sql, "user", id).await?)
    }

    /// Every account, by username.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    /// An account with its password hash, by username; `None` when there is none.
    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        if username.chars().count() > limits::USERNAME {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(Credentials {
                user: user_from(&r)?,
                password_hash: r.try_get("password_hash")?,
            })),
            None => Ok(None),
        }
    }

    /// Opens a session after a successful login (audited as `session.login`; the successful
    /// attempt is recorded too, which resets the failure count of this username and address).
    pub async fn create_session(
        &self,
        user: &User,
        new: &NewSession,
    ) -> Result<Session, StoreError> {
        let at = now();
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $4) \
             RETURNING id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at",
        )
        .bind(&new.id_hash)
        .bind(user.id)
        .bind(&new.csrf_token)
        .bind(&at)
        .bind(&new.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let session = session_from(&row)?;
        sqlx::query(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES ($1, $2, $3, 1)",
        )
        .bind(&user.username)
        .bind(&new.ip)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            self.audit_key(),
            &Actor::user(user),
            Change {
                action: "session.login",
                entity: "user",
                entity_id: user.id.to_string(),
                before: None,
                after: Some(json!({ "ip": new.ip, "expires_at": session.expires_at })),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The session of a token hash with its account; `None` when there is none. Expiry is the
    /// caller's to check.
    pub async fn session(&self, id_hash: &str) -> Result<Option<(Session, User)>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, \
             u.id, u.username, u.display_name, u.role, u.disabled, u.created_at AS user_created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let role: String = r.try_get("role")?;
        let user = User {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Invalid {
                field: "users.role",
                expected: "a known role".into(),
                found: format!("`{role}`"),
            })?,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            created_at: r.try_get("user_created_at")?,
        };
        Ok(Some((session_from(&r)?, user)))
    }

    /// Records the use of a session: last seen now, ends at `expires_at` unless used again.
    /// Not audited (bookkeeping).
    pub async fn touch_session(
        &self,
        id_hash: &str,
        last_seen_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
            .bind(last_seen_at)
            .bind(expires_at)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session (logout, or expiry found on use), audited as `session.logout` or
    /// `session.expire`.
    pub async fn end_session(
        &self,
        user: &User,
        id_hash: &str,
        expired: bool,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.write().await?;
        let gone = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone > 0 {
            record(
                &mut tx,
                self.audit_key(),
                &Actor::user(user),
                Change {
                    action: if expired {
                        "session.expire"
                    } else {
                        "session.logout"
                    },
                    entity: "user",
                    entity_id: user.id.to_string(),
                    before: Some(json!({ "session": "open" })),
                    after: None,
                    at: &at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Login attempts of a username from an address since an instant, oldest first.
    pub async fn login_attempts(
        &self,
        username: &str,
        ip: &str,
        since: &str,
    ) -> Result<Vec<LoginAttempt>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, succeeded FROM login_attempts WHERE username = $1 AND ip = $2 AND at > $3 \
             ORDER BY at, id",
        )
        .bind(username.chars().take(limits::USERNAME).collect::<String>())
        .bind(ip)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LoginAttempt {
                    at: r.try_get("at")?,
                    succeeded: r.try_get::<i64, _>("succeeded")? != 0,
                })
            })
            .collect()
    }

    /// Records a failed login with its reason. The audit row comes later, one per (username,
    /// address, minute): [`Store::audit_failed_logins`].
    pub async fn record_login_failure(
        &self,
        username: &str,
        ip: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let username: String = username.chars().take(limits::USERNAME).collect();
        sqlx::query(
            "INSERT INTO login_attempts (username, ip, at, succeeded, reason, audited) \
             VALUES ($1, $2, $3, 0, $4, 0)",
        )
        .bind(&username)
        .bind(ip)
        .bind(now())
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Failed logins from an address since an instant, whatever the username.
    pub async fn login_failures_from(&self, ip: &str, since: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM login_attempts WHERE ip = $1 AND at > $2 AND succeeded = 0",
        )
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Failed logins of a username since an instant, from every address.
    pub async fn login_failures_of(&self, username: &str, since: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM login_attempts \
             WHERE username = $1 AND at > $2 AND succeeded = 0",
        )
        .bind(username.chars().take(limits::USERNAME).collect::<String>())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Whether the username signed in from the address since an instant.
    pub async fn signed_in_from(
        &self,
        username: &str,
        ip: &str,
        since: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM login_attempts \
             WHERE username = $1 AND ip = $2 AND at > $3 AND succeeded = 1",
        )
        .bind(username.chars().take(limits::USERNAME).collect::<String>())
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Writes the failed logins recorded before `before` and not yet audited to the audit log,
    /// one `login.failed` row per (username, address, minute) with the count, the first and last
    /// instant and the count of each reason. The attempts are claimed by one `UPDATE ...
    /// RETURNING` in the audit rows' transaction, so that two servers on one database never
    /// audit an attempt twice. Returns the audit rows written.
    pub async fn audit_failed_logins(&self, before: &str) -> Result<usize, StoreError> {
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "UPDATE login_attempts SET audited = 1 \
             WHERE succeeded = 0 AND audited = 0 AND at < $1 \
             RETURNING username, ip, at, reason",
        )
        .bind(before)
        .fetch_all(&mut *tx)
        .await?;
        let mut groups: std::collections::BTreeMap<(String, String, String), FailedMinute> =
            std::collections::BTreeMap::new();
        for r in &rows {
            let at: String = r.try_get("at")?;
            let minute: String = at.chars().take(MINUTE_PREFIX).collect();
            let reason: Option<String> = r.try_get("reason")?;
            groups
                .entry((r.try_get("username")?, r.try_get("ip")?, minute))
                .or_default()
                .add(&at, reason.as_deref().unwrap_or("unknown"));
        }
        let at = now();
        for ((username, ip, minute), g) in &groups {
            record(
                &mut tx,
                self.audit_key(),
                &Actor::system("anonymous"),
                Change {
                    action: "login.failed",
                    entity: "login",
                    entity_id: username.clone(),
                    before: None,
                    after: Some(json!({
                        "ip": ip,
                        "minute": format!("{minute}Z"),
                        "failures": g.count,
                        "first_at": g.first,
                        "last_at": g.last,
                        "reasons": g.reasons,
                    })),
                    at: &at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(groups.len())
    }

    /// An account's language for the web application (`"en"`, `"fr"`); `None`: the site's.
    pub async fn user_language(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let sql = "SELECT language FROM users WHERE id = $1";
        Ok(self
            .row_by_id(sql, "user", user_id)
            .await?
            .try_get("language")?)
    }

    /// Sets an account's language (`"en"`, `"fr"`; `None`: the site's), with its audit row
    /// `user.language` (before and after). Returns the language set.
    pub async fn set_user_language(
        &self,
        actor: &Actor,
        user_id: i64,
        language: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        if let Some(l) = language
            && !matches!(l, "en" | "fr")
        {
            return Err(StoreError::Invalid {
                field: "language",
                expected: "\"en\" or \"fr\"".into(),
                found: format!("`{l}`"),
            });
        }
        let at = now();
        let mut tx = self.write().await?;
        let before: Option<String> = sqlx::query("SELECT language FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            })?
            .try_get("language")?;
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            self.audit_key(),
            actor,
            Change {
                action: "user.language",
                entity: "user",
                entity_id: user_id.to_string(),
                before: Some(json!({ "language": before })),
                after: Some(json!({ "language": language })),
                at: &at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(language.map(str::to_owned))
    }

    /// Removes sessions that ended before `sessions_before`, failed login attempts older than
    /// `failures_before` once audited, and successful ones older than `successes_before` (not
    /// audited: housekeeping). Returns the rows removed.
    pub async fn prune(
        &self,
        sessions_before: &str,
        failures_before: &str,
        successes_before: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(sessions_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let b = sqlx::query(
            "DELETE FROM login_attempts WHERE succeeded = 0 AND audited = 1 AND at < $1",
        )
        .bind(failures_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let c = sqlx::query("DELETE FROM login_attempts WHERE succeeded = 1 AND at < $1")
            .bind(successes_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(a + b + c)
    }
}

/// Characters of an instant up to its minute: `2026-03-05T09:00` of `2026-03-05T09:00:00.000Z`.
const MINUTE_PREFIX: usize = 16;

/// The failed logins of one (username, address, minute).
#[derive(Debug, Default)]
struct FailedMinute {
    count: u64,
    first: String,
    last: String,
    reasons: std::collections::BTreeMap<String, u64>,
}

impl FailedMinute {
    fn add(&mut self, at: &str, reason: &str) {
        self.count += 1;
        if self.first.is_empty() || at < self.first.as_str() {
            self.first = at.to_owned();
        }
        if at > self.last.as_str() {
            self.last = at.to_owned();
        }
        *self.reasons.entry(reason.to_owned()).or_default() += 1;
    }
}
