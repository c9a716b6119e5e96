//! Argon2id password hashing (TOM ACC-1) and the password policy. Parameters come from
//! `auth.password_hash` with the OWASP floors (m = 19 MiB, t = 2, p = 1) that config
//! validation enforces. Hashing is slow by design: call it from a blocking thread, never
//! an async worker. The hashing itself runs on a few workers of its own
//! (`on_argon2_workers`), so a storm of sign-ins leaves a core for every other request.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

pub use crate::config::HashParams;

/// The Argon2id hasher with these parameters.
pub fn argon2(p: HashParams) -> Argon2<'static> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common_passwords.txt").lines().filter(|l| !l.starts_with('#')).collect())
}

fn weak(reason: &str) -> AppError {
    AppError::Weak(reason.to_owned())
}

/// Length 12..=128; not a common password, not one with a few digits or symbols added,
/// not built from few characters, not containing the email's name (TOM ACC-1).
pub fn check_policy(password: &str, email: Option<&str>) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(weak(&format!("must have at least {MIN_LENGTH} characters")));
    }
    if len > MAX_LENGTH {
        return Err(weak(&format!("must have at most {MAX_LENGTH} characters")));
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic()).trim_start_matches(|c: char| !c.is_alphabetic());
    let list = common_passwords();
    if list.contains(lower.as_str()) || (core.chars().count() >= 4 && list.contains(core)) {
        return Err(weak("is on the list of common or leaked passwords"));
    }
    if lower.chars().collect::<HashSet<_>>().len() < 5 {
        return Err(weak("uses too few different characters"));
    }
    let name = email.and_then(|e| e.split('@').next()).map(str::to_lowercase).unwrap_or_default();
    if name.chars().count() >= 4 && lower.contains(&name) {
        return Err(weak("must not contain the name of the email address"));
    }
    Ok(())
}

/// How long a hash waits for a worker before the request fails as unavailable.
const ARGON2_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

type Job = Box<dyn FnOnce() + Send>;

/// The Argon2 workers' nice value: when the cores are busy, request handling gets its
/// time first (a weight of 1024 against 110) and sign-ins take what is left; on an idle
/// machine they run at full speed. (Argon2's memory traffic still slows the other core.)
pub const ARGON2_NICE: i32 = 10;

/// Runs `work` on the Argon2 workers: as many threads as the machine has cores but one
/// (at least one), taking jobs first come first served, at a lower priority
/// (`ARGON2_NICE`). Request threads only wait, so a storm of sign-ins leaves a core for
/// everything else, and Argon2's memory (19 MiB a hash) is allocated by these few threads
/// only, so it is reused instead of piling up in the allocator's arenas of every request
/// thread.
fn on_argon2_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static JOBS: OnceLock<Arc<Jobs>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let jobs = Arc::new(Jobs::default());
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        for _ in 0..cores.saturating_sub(1).max(1) {
            let jobs = jobs.clone();
            let _ = std::thread::Builder::new().name("argon2".into()).spawn(move || {
                // Linux keeps the nice value per thread: this one only. Best effort.
                let _ = rustix::process::setpriority_process(None, ARGON2_NICE);
                while let Some(job) = jobs.next() {
                    job();
                }
            });
        }
        jobs
    });
    let (done, answer) = std::sync::mpsc::sync_channel(1);
    let waiting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still_waiting = waiting.clone();
    let job: Job = Box::new(move || {
        // A caller that gave up needs no answer: skip the work.
        if still_waiting.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = done.send(work());
        }
    });
    let busy = || AppError::Unavailable("too many sign-ins at once; try again".into());
    jobs.push(job).map_err(|_| busy())?;
    answer.recv_timeout(ARGON2_WAIT).map_err(|_| {
        waiting.store(false, std::sync::atomic::Ordering::Relaxed);
        busy()
    })
}

/// How long an Argon2 worker keeps its memory after its last hash. A storm of sign-ins
/// reuses it; a quiet server gives it back (19 MiB a worker at the floor), at the cost of
/// allocating it again for the next sign-in.
pub const ARGON2_KEEP_MEMORY: std::time::Duration = std::time::Duration::from_secs(2);

thread_local! {
    /// This Argon2 worker's memory (19 MiB at the floor), kept between hashes: each worker
    /// allocates it once instead of the allocator holding one freed copy per hash.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The Argon2 workers' queue, first come first served.
#[derive(Default)]
struct Jobs {
    queue: Mutex<VecDeque<Job>>,
    added: Condvar,
}

impl Jobs {
    fn push(&self, job: Job) -> Result<(), ()> {
        self.queue.lock().map_err(|_| ())?.push_back(job);
        self.added.notify_one();
        Ok(())
    }

    /// The next job; a worker that waits longer than `ARGON2_KEEP_MEMORY` for it gives its
    /// memory back first. None once the queue's lock is poisoned.
    fn next(&self) -> Option<Job> {
        let queue = self.queue.lock().ok()?;
        let (mut queue, idle) = self.added.wait_timeout_while(queue, ARGON2_KEEP_MEMORY, |q| q.is_empty()).ok()?;
        if idle.timed_out() {
            release_memory();
            queue = self.added.wait_while(queue, |q| q.is_empty()).ok()?;
        }
        queue.pop_front()
    }
}

/// Gives this worker's memory back. Freed whole, as it was allocated (with its own
/// mapping, `ALWAYS_MAPPED`), the allocator returns it to the system at once.
fn release_memory() {
    MEMORY.with_borrow_mut(|memory| *memory = Vec::new());
}

/// The least a worker's memory asks for, in blocks of 1 KiB: 32 MiB and one block. glibc's
/// malloc gives a request of more than 32 MiB a mapping of its own, which `free` unmaps at
/// once. A smaller one (19 MiB at the floor) is mapped the first time too, but freeing it
/// raises malloc's mapping threshold to its size, so every later one came from an arena
/// and stayed resident after it was freed: a worker gave its memory back once, then never
/// again. The part beyond what a hash uses is never touched, so never resident.
const ALWAYS_MAPPED: usize = 32 * 1024 + 1;

/// Argon2 of `password` and `salt` into `out`, computed in this worker's memory.
fn hash_into(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = argon2.params().block_count();
        if memory.len() < blocks {
            memory.reserve_exact(blocks.max(ALWAYS_MAPPED));
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// The PHC string (`$argon2id$v=19$m=…$salt$hash`) of `password` under `salt`.
pub fn phc<'a>(argon2: &Argon2<'_>, password: &[u8], salt: Salt<'a>) -> password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let len = argon2.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = Output::init_with(len, |out| Ok(hash_into(argon2, password, salt_bytes, out)?))?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt),
        hash: Some(hash),
    })
}

pub fn hash(password: &str, params: HashParams) -> Result<String, AppError> {
    let password = zeroize::Zeroizing::new(password.to_owned());
    on_argon2_workers(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        phc(&argon2(params), password.as_bytes(), salt.as_salt())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })?
}

/// The Argon2id parameters a stored PHC string was made with; `None` for anything else
/// (another algorithm or version, no local password, unparsable). TOM ACC-1, REVIEW-1.
pub fn params_of(stored: &str) -> Option<HashParams> {
    let parsed = PasswordHash::new(stored).ok()?;
    if parsed.algorithm != Algorithm::Argon2id.ident() || parsed.version != Some(Version::V0x13.into()) {
        return None;
    }
    let params = Params::try_from(&parsed).ok()?;
    Some(HashParams { memory_kib: params.m_cost(), iterations: params.t_cost(), parallelism: params.p_cost() })
}

/// Verification with the hash's own parameters; the outputs are compared in constant time
/// (`password_hash::Output`'s equality).
pub fn verify(password: &str, stored: &str) -> Result<bool, AppError> {
    let (password, stored) = (zeroize::Zeroizing::new(password.to_owned()), stored.to_owned());
    on_argon2_workers(move || {
        let matches = |parsed: PasswordHash<'_>| -> password_hash::Result<bool> {
            if parsed.algorithm != Algorithm::Argon2id.ident() || parsed.version != Some(Version::V0x13.into()) {
                return Ok(false);
            }
            let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
            let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::try_from(&parsed)?);
            Ok(phc(&argon2, password.as_bytes(), salt)?.hash == Some(expected))
        };
        PasswordHash::new(&stored).and_then(matches).unwrap_or(false)
    })
}
