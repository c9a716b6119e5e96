//! Bookings under contention for one event, and the magic-link request, over real HTTP:
//! the actix-web app (`build_app`) serves on 127.0.0.1 inside this process, and client
//! threads with their own keep-alive connections post to it over loopback. Per database
//! and concurrency level it prints bookings/s, p50/p99/max latency, the answers that
//! were not 202, and the confirmed/waiting counts read back from the database (confirmed
//! should equal the capacity). The tenant's confirmation step is off, so each public
//! request of a new address books at once, as before the confirmation link (TOM PRIV-1). For the magic link it prints known and unknown emails
//! side by side (they should look alike, TOM ACC-4). Prints figures; asserts nothing.
//!
//!   cargo bench -p anwesend --bench booking                            # SQLite
//!   ANWESEND_BENCH_PG_URL=postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres \
//!     cargo bench -p anwesend --bench booking                          # and PostgreSQL
//!
//! BENCH_CONCURRENCY (one level, default 1, 16 and 64), BENCH_BOOKINGS (per level, default
//! 2000; a new event per level), BENCH_SEATS (capacity, default 1000, waiting list on),
//! BENCH_LINKS (magic-link requests per kind and level, default 1000) change the load.
//! The mail worker is not started: confirmation and sign-in mails stay queued.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anwesend::audit::AuditContext;
use anwesend::bookings::model::{CONFIRMED, LINK_HOURS_DEFAULT, WAITING};
use anwesend::bookings::store as bookings;
use anwesend::clock::SystemClock;
use anwesend::config::{Config, Environment, RateLimitConfig};
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::{Db, TenantScope};
use anwesend::events::model::{EventInput, SessionInput, STATUS_PUBLISHED};
use anwesend::events::service as events;
use anwesend::state::AppState;
use anwesend::tenants::{model::NewTenant, service as tenants};
use serde_json::json;
use support::{env_usize, Server, SLUG};

mod support;

/// Minimal HTTP/1.1 over one keep-alive connection: enough for JSON POSTs to our server.
struct Client {
    addr: SocketAddr,
    origin: String,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(addr: SocketAddr, origin: &str) -> Self {
        Self { addr, origin: origin.to_owned(), conn: None }
    }

    fn connect(&mut self) -> io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(120)))?;
            self.conn = Some(BufReader::new(stream));
        }
        self.conn.as_mut().ok_or_else(|| io::Error::other("no connection"))
    }

    /// The status code; the connection is dropped (and reopened next time) on errors
    /// or when the server closes it.
    fn post(&mut self, path: &str, body: &str) -> io::Result<u16> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.origin,
            body.len()
        );
        let result = self.connect().and_then(|conn| {
            conn.get_mut().write_all(request.as_bytes())?;
            read_response(conn)
        });
        match result {
            Ok((status, keep)) => {
                if !keep {
                    self.conn = None;
                }
                Ok(status)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn read_line(conn: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<()> {
    line.clear();
    if conn.read_line(line)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    Ok(())
}

/// Reads one response (status line, headers, body by Content-Length or chunked);
/// returns the status and whether the connection may be reused.
fn read_response(conn: &mut BufReader<TcpStream>) -> io::Result<(u16, bool)> {
    let mut line = String::new();
    read_line(conn, &mut line)?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("status line"))?;
    let (mut length, mut chunked, mut keep) = (None, false, true);
    loop {
        read_line(conn, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = Some(value.parse::<u64>().map_err(|_| bad("content-length"))?),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => keep = !value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    if chunked {
        loop {
            read_line(conn, &mut line)?;
            let size = u64::from_str_radix(line.trim_end().split(';').next().unwrap_or_default(), 16).map_err(|_| bad("chunk size"))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    read_line(conn, &mut line)?;
                    if line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            io::copy(&mut conn.by_ref().take(size + 2), &mut io::sink())?;
        }
    } else if let Some(n) = length {
        io::copy(&mut conn.by_ref().take(n), &mut io::sink())?;
    } else if !(status == 204 || status == 304 || (100..200).contains(&status)) {
        // Delimited by the end of the connection.
        io::copy(conn, &mut io::sink())?;
        keep = false;
    }
    Ok((status, keep))
}

/// What one load run measured.
struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Answers other than the expected status (0: connection or protocol error).
    other: BTreeMap<u16, usize>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1e3
    }

    fn unexpected(&self) -> String {
        let n: usize = self.other.values().sum();
        if n == 0 {
            "0".into()
        } else {
            format!("{n} {:?}", self.other)
        }
    }
}

/// `total` requests from `clients` threads, each with its own connection; request `i`
/// is `request(i)` = (path, JSON body). Timing starts once every client is connected.
fn drive(
    addr: SocketAddr,
    origin: &str,
    clients: usize,
    total: usize,
    expected: u16,
    request: impl Fn(usize) -> (String, String) + Sync,
) -> Run {
    let next = AtomicUsize::new(0);
    let barrier = Barrier::new(clients + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (next, barrier, request) = (&next, &barrier, &request);
                s.spawn(move || {
                    let mut client = Client::new(addr, origin);
                    let _ = client.connect();
                    let mut latencies = Vec::with_capacity(total / clients + 1);
                    let mut other = BTreeMap::new();
                    barrier.wait();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let (path, body) = request(i);
                        let started = Instant::now();
                        let status = client.post(&path, &body).unwrap_or(0);
                        latencies.push(started.elapsed());
                        if status != expected {
                            *other.entry(status).or_insert(0) += 1;
                        }
                    }
                    (latencies, other)
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let mut run = Run { elapsed: Duration::ZERO, latencies: Vec::with_capacity(total), other: BTreeMap::new() };
        for handle in handles {
            let (latencies, other) = handle.join().expect("client thread");
            run.latencies.extend(latencies);
            for (status, n) in other {
                *run.other.entry(status).or_insert(0) += n;
            }
        }
        run.elapsed = started.elapsed();
        run.latencies.sort();
        run
    })
}

struct Load {
    levels: Vec<usize>,
    bookings: usize,
    seats: usize,
    links: usize,
}

fn new_event(state: &AppState, scope: &TenantScope, title: &str, seats: usize) -> String {
    let now = chrono::Utc::now();
    let starts = (now + chrono::Duration::days(30)).naive_utc();
    let input = EventInput {
        kind: "event".into(),
        title: title.into(),
        description: String::new(),
        location_id: None,
        company_id: None,
        capacity: i32::try_from(seats).expect("BENCH_SEATS fits i32"),
        waiting_list: true,
        booking_opens_at: None,
        booking_closes_at: None,
        fields: Vec::new(),
        sessions: vec![SessionInput { starts_at: starts, ends_at: starts + chrono::Duration::hours(2) }],
        instructor_ids: Vec::new(),
    };
    events::create_as(&state.db, scope, &AuditContext::system(now), None, &input, STATUS_PUBLISHED).expect("event")
}

fn run(label: &str, app_url: &str, load: &Load) {
    let dir = tempfile::tempdir().expect("dir");
    let config = Config {
        environment: Some(Environment::Dev),
        database_url: app_url.to_owned(),
        data_dir: dir.path().join("data"),
        frontend_dir: dir.path().join("no-ui"),
        rate_limit: RateLimitConfig {
            public_per_ip_per_minute: 100_000_000,
            magic_link_per_email_per_minute: 100_000_000,
            unauthenticated_per_minute: 100_000_000,
            ..RateLimitConfig::default()
        },
        ..Config::default()
    };
    let origin = config.public_origin().to_owned();
    let db = Db::new(app_url, config.database_max_connections).expect("pool");
    let state = AppState::new(config, db, MasterKey::generate(MasterKeyOrigin::Operator), Arc::new(SystemClock));
    let now = chrono::Utc::now();
    let tenant = tenants::create(
        &state.db,
        &state.master,
        &AuditContext::system(now),
        NewTenant { slug: SLUG.into(), name: "Bench".into(), is_demo: false },
    )
    .expect("tenant");
    let scope = TenantScope::named_by_operator(tenant.id.clone());
    state.ip_hasher.ensure_key(now).expect("IP-hash key");
    // The tenant's confirmation step off: a new address books an open event at once, so
    // every request below is a whole booking (the hold-and-link path adds one request).
    state
        .db
        .tenant_tx(&scope, |tx| Ok(bookings::set_settings(tx, false, LINK_HOURS_DEFAULT, now.naive_utc())?))
        .expect("confirmation step off");
    let server = Server::start(state.clone());
    let addr = server.addr;
    let book = |event: &str, email: String, i: usize| {
        (
            format!("/api/v1/public/{SLUG}/events/{event}/bookings"),
            json!({ "name": format!("Bench Person {i}"), "email": email, "consent": true }).to_string(),
        )
    };

    // Warm-up (not printed): connections, caches, the first pages of the database.
    let warm = new_event(&state, &scope, "Warm-up", 10);
    drive(addr, &origin, 4, 50, 202, |i| book(&warm, format!("warm-{i}@example.org"), i));

    let mut known = Vec::new();
    for (level, &clients) in load.levels.iter().enumerate() {
        let event = new_event(&state, &scope, &format!("Bench c={clients}"), load.seats);
        let email = |i: usize| format!("p{level}-{i}@example.org");
        let r = drive(addr, &origin, clients, load.bookings, 202, |i| book(&event, email(i), i));
        known.extend((0..load.bookings).map(email));
        let (confirmed, waiting) = state
            .db
            .tenant_tx(&scope, |tx| Ok((bookings::count(tx, &event, CONFIRMED)?, bookings::count(tx, &event, WAITING)?)))
            .expect("read back");
        println!(
            "{label:<8} book       c={clients:<3} {:>5} req: {:>7.0} bookings/s, p50 {:>7.2} ms, p99 {:>7.2} ms, max {:>7.2} ms; non-202: {}; database: confirmed {confirmed} (capacity {}), waiting {waiting}",
            r.latencies.len(),
            r.rate(),
            r.ms(0.50),
            r.ms(0.99),
            r.ms(1.0),
            r.unexpected(),
            load.seats,
        );
    }

    let link = |email: &str| (format!("/api/v1/public/{SLUG}/magic-link"), json!({ "email": email }).to_string());
    for clients in [1, 16] {
        let k = drive(addr, &origin, clients, load.links, 202, |i| link(&known[i % known.len().max(1)]));
        let u = drive(addr, &origin, clients, load.links, 202, |i| link(&format!("nobody-{clients}-{i}@example.org")));
        for (kind, r) in [("known", &k), ("unknown", &u)] {
            println!(
                "{label:<8} magic-link c={clients:<3} {:>5} req: {:>7.0} req/s,      p50 {:>7.2} ms, p99 {:>7.2} ms, max {:>7.2} ms; non-202: {}; {kind} emails",
                r.latencies.len(),
                r.rate(),
                r.ms(0.50),
                r.ms(0.99),
                r.ms(1.0),
                r.unexpected(),
            );
        }
        println!(
            "{label:<8} magic-link c={clients:<3} known/unknown: p50 {:.2}x, p99 {:.2}x",
            k.ms(0.50) / u.ms(0.50),
            k.ms(0.99) / u.ms(0.99)
        );
    }
    server.stop();
}

fn main() {
    let load = Load {
        levels: std::env::var("BENCH_CONCURRENCY")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&c: &usize| c > 0)
            .map_or_else(|| vec![1, 16, 64], |c| vec![c]),
        bookings: env_usize("BENCH_BOOKINGS", 2000).max(1),
        seats: env_usize("BENCH_SEATS", 1000).clamp(1, 100_000),
        links: env_usize("BENCH_LINKS", 1000).max(1),
    };
    println!(
        "booking bench: {} bookings per level at {:?} concurrent clients, capacity {} with waiting list; {} magic-link requests per kind at 1 and 16 clients",
        load.bookings, load.levels, load.seats, load.links
    );
    support::each_database("booking", |label, app_url, _| run(label, app_url, &load));
}
