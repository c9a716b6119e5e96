//! Public bookings over real HTTP (issue #16): the actix-web app (`build_app`) serves on
//! 127.0.0.1 inside this process, and client threads with their own keep-alive
//! connections post `POST /api/v1/public/{tenant}/events/{event}/bookings` to it over
//! loopback, each a new address. The tenant's confirmation step is off, so each request
//! books at once (as before the confirmation link, TOM PRIV-1); the mail worker is not
//! started, so the confirmation mails stay queued. Per database:
//!
//! - fill: one event with BENCH_FILL seats (default 20,000) filled by one client, one
//!   booking after the other; it prints bookings/s (500 divided by their summed latency)
//!   and p50 of the first 500 and of the last 500 bookings, their ratio (the cost of the
//!   20,000th booking against the 100th), and the confirmed bookings read back; on the way,
//!   the same for bookings 4,001–5,000, 9,001–10,000 and so on;
//! - contention: BENCH_CONTENTION clients (default 500), connected first, each post one
//!   booking at once into an event with BENCH_SEATS seats (default 50, waiting list on); it
//!   prints p50/p99/max, the answers other than 202, and confirmed/waiting read back from
//!   the database (confirmed must equal the capacity);
//! - the magic-link request at 1 and 16 clients, known and unknown emails side by side (they
//!   should look alike, TOM ACC-4), BENCH_LINKS requests per kind (default 500).
//!
//! BENCH_DATABASES (`sqlite`, `postgres`) measures only the databases it names.
//! The public endpoints are limited per client network; the bench's config raises those
//! limits (everything comes from 127.0.0.1). Prints figures; asserts nothing.
//!
//!   cargo bench -p anwesend --bench booking                            # SQLite
//!   ANWESEND_BENCH_PG_URL=postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres \
//!     cargo bench -p anwesend --bench booking                          # and PostgreSQL

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
    /// Sorted.
    latencies: Vec<Duration>,
    /// In request order.
    ordered: Vec<Duration>,
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
                    let mut order = Vec::with_capacity(total / clients + 1);
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
                        order.push(i);
                        if status != expected {
                            *other.entry(status).or_insert(0) += 1;
                        }
                    }
                    (latencies, order, other)
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let mut run = Run {
            elapsed: Duration::ZERO,
            latencies: Vec::with_capacity(total),
            ordered: vec![Duration::ZERO; total],
            other: BTreeMap::new(),
        };
        for handle in handles {
            let (latencies, order, other) = handle.join().expect("client thread");
            for (&i, &latency) in order.iter().zip(&latencies) {
                run.ordered[i] = latency;
            }
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
    fill: usize,
    contention: usize,
    seats: usize,
    links: usize,
}

/// Bookings/s (`n` divided by their summed latency) and p50 in ms of `part` (one client, in order).
fn window(part: &[Duration]) -> (f64, f64) {
    let total: Duration = part.iter().sum();
    let mut sorted = part.to_vec();
    sorted.sort();
    let p50 = sorted.get(sorted.len() / 2).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    (part.len() as f64 / total.as_secs_f64(), p50)
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
        signature_required: false,
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

    // Fill: one event, one client, one booking after the other.
    let event = new_event(&state, &scope, "Fill", load.fill);
    // In parts of 1,000 (one client each, on its own connection), with a line per 5,000:
    // how the cost moves as the event fills.
    let mut fill = Run { elapsed: Duration::ZERO, latencies: Vec::new(), ordered: Vec::new(), other: BTreeMap::new() };
    for from in (0..load.fill).step_by(1000) {
        let n = 1000.min(load.fill - from);
        let part = drive(addr, &origin, 1, n, 202, |i| book(&event, format!("fill-{}@example.org", from + i), from + i));
        fill.elapsed += part.elapsed;
        fill.latencies.extend(part.latencies);
        fill.ordered.extend(&part.ordered);
        for (status, k) in part.other {
            *fill.other.entry(status).or_insert(0) += k;
        }
        if (from + n) % 5000 == 0 && from + n < load.fill {
            let (rate, p50) = window(&part.ordered);
            println!("{label:<8} fill       … bookings {}–{}: {rate:>5.0} bookings/s, p50 {p50:>6.2} ms", from + 1, from + n);
        }
    }
    fill.latencies.sort();
    let confirmed = state.db.tenant_tx(&scope, |tx| Ok(bookings::count(tx, &event, CONFIRMED)?)).expect("read back");
    let n = 500.min(load.fill);
    let (first_rate, first_p50) = window(&fill.ordered[..n]);
    let (last_rate, last_p50) = window(&fill.ordered[load.fill - n..]);
    println!(
        "{label:<8} fill       one event with {} seats, 1 client: bookings 1–{n}: {first_rate:>5.0} bookings/s, p50 {first_p50:>6.2} ms; bookings {}–{}: {last_rate:>5.0} bookings/s, p50 {last_p50:>6.2} ms; last/first p50 {:.2}x; all: {:.0} bookings/s in {:.1} s, p99 {:.2} ms, max {:.2} ms; non-202: {}; confirmed read back {confirmed}",
        load.fill,
        load.fill - n + 1,
        load.fill,
        last_p50 / first_p50,
        fill.rate(),
        fill.elapsed.as_secs_f64(),
        fill.ms(0.99),
        fill.ms(1.0),
        fill.unexpected(),
    );
    let known: Vec<String> = (0..load.fill.min(5000)).map(|i| format!("fill-{i}@example.org")).collect();

    // Contention: every client connected, then each posts one booking at once.
    let event = new_event(&state, &scope, "Contention", load.seats);
    let r = drive(addr, &origin, load.contention, load.contention, 202, |i| book(&event, format!("rush-{i}@example.org"), i));
    let (confirmed, waiting) = state
        .db
        .tenant_tx(&scope, |tx| Ok((bookings::count(tx, &event, CONFIRMED)?, bookings::count(tx, &event, WAITING)?)))
        .expect("read back");
    println!(
        "{label:<8} contention {} clients at once, one booking each, {} seats + waiting list: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, all in {:.2} s; non-202: {}; database: confirmed {confirmed}, waiting {waiting}; capacity exact: {}",
        load.contention,
        load.seats,
        r.ms(0.50),
        r.ms(0.99),
        r.ms(1.0),
        r.elapsed.as_secs_f64(),
        r.unexpected(),
        if confirmed as usize == load.seats.min(load.contention) { "yes" } else { "NO" },
    );

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
        fill: env_usize("BENCH_FILL", 20_000).clamp(1, 200_000),
        contention: env_usize("BENCH_CONTENTION", 500).clamp(1, 2000),
        seats: env_usize("BENCH_SEATS", 50).clamp(1, 100_000),
        links: env_usize("BENCH_LINKS", 500).max(1),
    };
    println!(
        "booking bench: fill one event of {} seats with one client; {} clients booking at once into {} seats; {} magic-link requests per kind at 1 and 16 clients",
        load.fill, load.contention, load.seats, load.links
    );
    support::each_database("booking", |label, app_url, _| run(label, app_url, &load));
}
