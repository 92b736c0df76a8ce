//! Password checks a few at a time, each with memory reserved once.
//!
//! An Argon2id check takes [`crate::auth::ARGON2_M_COST_KIB`] of memory for about 50 ms of
//! CPU. Run one per request as requests arrive, a flood of 50 concurrent logins held 50 × 19 MiB
//! at once and the allocator kept most of it after (issue 15: 5.3 GB resident, 2.8 GB after).
//! Here at most [`PASSWORD_CHECK_SLOTS`] checks run at once, each in the Argon2 working memory of
//! its slot, allocated on first use and kept for the next check: the memory of the password
//! checks is bounded by the slots whatever the load. A request that finds no slot free within
//! [`PASSWORD_CHECK_WAIT`] is answered 503 with `Retry-After`.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Password checks run at once: 4 (design choice: more than the cores of a small server does
/// not check faster, and 4 × 19 MiB of working memory is the bound this sets).
pub const PASSWORD_CHECK_SLOTS: usize = 4;

/// How long a login waits for a free slot before 503: 2 s (design choice: at about 50 ms a
/// check, 4 slots clear some 160 checks in that time; a person signing in never waits that
/// long except under a flood).
pub const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(2);

/// Largest Argon2 memory cost a stored hash may ask for: 256 MiB (design choice: 13 × the
/// cost this server hashes with; a hash asking for more is treated as not matching, so that a
/// corrupt or planted hash cannot make one check take unbounded memory).
pub const MAX_CHECK_M_COST_KIB: u32 = 256 * 1024;

/// The slots: a semaphore and the working memory of each slot.
#[derive(Debug)]
pub struct PasswordChecks {
    slots: Arc<tokio::sync::Semaphore>,
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Default for PasswordChecks {
    fn default() -> Self {
        PasswordChecks {
            slots: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECK_SLOTS)),
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

/// Why a password could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// Every slot stayed busy for [`PASSWORD_CHECK_WAIT`].
    #[error("every password check slot stayed busy")]
    Busy,
    /// The checking thread ended abnormally.
    #[error("the password check failed")]
    Failed,
}

impl PasswordChecks {
    /// Whether `password` matches the PHC hash `phc` (its algorithm, version, costs and salt
    /// read from it), checked in a slot. The slot and its memory go with the check itself, not
    /// with the request: a request dropped while its check runs (the client went away) keeps
    /// the slot taken until the check ends, so abandoned requests cannot run more checks at
    /// once than there are slots.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, CheckError> {
        let permit =
            tokio::time::timeout(PASSWORD_CHECK_WAIT, Arc::clone(&self.slots).acquire_owned())
                .await
                .map_err(|_| CheckError::Busy)?
                .map_err(|_| CheckError::Failed)?;
        let pool = Arc::clone(&self.memory);
        let (pw, phc) = (password.to_owned(), phc.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut memory = take_memory(&pool);
            let ok = verify_in(&pw, &phc, &mut memory);
            give_back(&pool, memory);
            drop(permit);
            ok
        })
        .await
        .map_err(|_| CheckError::Failed)
    }
}

type MemoryPool = Mutex<Vec<Vec<Block>>>;

fn take_memory(pool: &MemoryPool) -> Vec<Block> {
    pool.lock()
        .map(|mut m| m.pop().unwrap_or_default())
        .unwrap_or_default()
}

fn give_back(pool: &MemoryPool, memory: Vec<Block>) {
    if let Ok(mut m) = pool.lock()
        && m.len() < PASSWORD_CHECK_SLOTS
    {
        m.push(memory);
    }
}

/// Recomputes the Argon2 hash of `password` with the parameters and salt of `phc` in `memory`
/// (grown when the hash asks for more) and compares it with the stored one in constant time.
/// Anything unreadable does not match.
pub fn verify_in(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_CHECK_M_COST_KIB {
        return false;
    }
    let need = params.block_count();
    if memory.len() < need {
        memory.resize(need, Block::default());
    }
    let Some(blocks) = memory.get_mut(..need) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
        .is_ok()
        && crate::auth::constant_time_eq(&out, expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Argon2id v=19 vectors of the reference implementation's test suite
    /// (P-H-C/phc-winner-argon2 `src/test.c`, `hashtest(version, 2, 8|16, 1, "password",
    /// "somesalt", ...)` and the `CHECK("password", ...)` lines): password "password", salt
    /// "somesalt", t = 2, p = 1, m = 256 KiB and 64 MiB.
    const REFERENCE_PHC: &str =
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    const REFERENCE_PHC_64_MIB: &str =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    #[test]
    fn the_reference_implementations_hash_verifies() {
        let mut memory = Vec::new();
        assert!(verify_in("password", REFERENCE_PHC, &mut memory));
        assert!(!verify_in("passwore", REFERENCE_PHC, &mut memory));
        // The memory was reserved as the hash asked (256 KiB = 256 blocks of 1 KiB).
        assert_eq!(memory.len(), 256);
        assert!(verify_in("password", REFERENCE_PHC_64_MIB, &mut memory));
        assert_eq!(memory.len(), 65_536, "grown to 64 MiB");
        // A smaller hash after a larger one uses the front of the same memory.
        assert!(verify_in("password", REFERENCE_PHC, &mut memory));
    }

    #[test]
    fn hashes_of_this_server_verify_in_reused_memory() {
        let h = crate::auth::hash_password("correct horse battery").unwrap();
        let mut memory = Vec::new();
        for _ in 0..3 {
            assert!(verify_in("correct horse battery", &h, &mut memory));
            assert!(!verify_in("correct horse batterY", &h, &mut memory));
        }
        assert_eq!(memory.len(), 19 * 1024);
    }

    #[test]
    fn unreadable_or_greedy_hashes_do_not_match() {
        let mut memory = Vec::new();
        assert!(!verify_in("x", "not a hash", &mut memory));
        assert!(!verify_in(
            "x",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
            &mut memory
        ));
        let greedy = "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assert!(!verify_in("password", greedy, &mut memory));
        assert!(memory.is_empty(), "no memory taken for a refused hash");
    }

    #[tokio::test]
    async fn checks_beyond_the_slots_wait_then_are_refused() {
        let checks = PasswordChecks::default();
        let held: Vec<_> = (0..PASSWORD_CHECK_SLOTS)
            .map(|_| checks.slots.try_acquire().unwrap())
            .collect();
        let start = std::time::Instant::now();
        let r = checks.verify("password", REFERENCE_PHC).await;
        assert_eq!(r, Err(CheckError::Busy));
        assert!(start.elapsed() >= PASSWORD_CHECK_WAIT);
        drop(held);
        assert_eq!(checks.verify("password", REFERENCE_PHC).await, Ok(true));
    }
}
