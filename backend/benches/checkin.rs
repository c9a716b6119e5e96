//! Check-ins by card tap over real HTTP (issue #16). Per database and population size
//! (BENCH_PEOPLE, default 2,000 and 50,000; a fresh database each) the bench creates a
//! tenant with a tenant admin and seeds the people straight into the database, each with
//! a bound card and confirmed bookings (the library's rows, encrypted as the services do,
//! in multi-row inserts). Then it starts the server alone in a child process of this
//! executable (`BENCH_SERVER_CHILD`: the actix-web app `build_app` on 127.0.0.1 with its
//! workers and pool, and the audit sealer as `anwesend serve` runs it; no seeding, no load
//! generator, no logging set up, no other background job such as the mail worker), and over HTTP signs a staff member in, enrols one device per
//! phase with an enrolment code, and binds card 0 through the real path ("enrol card" mode
//! and a signed tap). The taps come from another copy of this executable started as a
//! client (`BENCH_CHECKIN_CLIENT`), whose threads each hold one keep-alive connection and
//! post signed `POST /api/v1/device/taps` with a fresh nonce, idempotency key and timestamp.
//!
//! Each phase (a short warm-up, then 1, 10 and 64 connections) has its own hall, device and
//! event whose one session runs now, booked by the people the phase taps; so every tap is
//! a real check-in and every phase starts with an empty session. With fewer people than
//! taps, people are tapped again in later phases (each time in another hall, on another
//! device), so the smaller population holds more bookings per person. One line per
//! (database, people, connections): check-ins/s, p50/p99/max latency (request written to
//! answer read), answers other than 200, the session's attendance records read back, and
//! tap outcomes other than `checked_in`. Connections 1 is the sequential figure. Last,
//! BENCH_PLANNED_SESSIONS (default 36,500: a hundred a day for a year) sessions of
//! another hall's event are planned ahead, and one connection taps again ("planned"): a
//! tap's cost should not grow with the calendar.
//!
//! With the largest population also:
//! - a sign-in storm: while 10 connections tap, BENCH_STORM threads (default 4) sign the
//!   staff account in over and over through `POST /api/v1/auth/login` (Argon2id at the
//!   configured cost; the sign-in limits are raised so the storm is not refused); it prints
//!   the check-in p50/p99 with the storm beside the p99 of the 10-connection level without
//!   it, and sign-ins/s;
//! - the kiosk: `GET /api/v1/kiosk/stream` open with the admin's cookie, BENCH_KIOSK_TAPS
//!   taps (default 200) one at a time; it prints tap → `event: tap` on the stream p50/p99,
//!   measured from the tap being sent (and from its 200 arriving);
//! - backups (issue #19, TOM AVAIL-1, AVAIL-2): a backup of the whole database taken and
//!   verified while the server is quiet (time, encrypted file size, rows), then a backup
//!   taken while 10 connections tap (up to BENCH_BACKUP_TAPS, default 20,000, people booked
//!   on the phase's event), the taps stopping when the backup is written: the check-in
//!   p50/p99 during the backup beside the 10-connection p99 without it. The backups run in
//!   the bench process as the server's job does (`backups::service::create`: `VACUUM INTO`,
//!   or `pg_dump` as the read-only backup role `anwesend_backup`, made beside the app role).
//!
//! Memory: VmRSS of the server process from /proc when it has started, before the levels
//! (which start once the set-up sign-in's Argon2 worker has given its 19 MiB back), the
//! largest VmRSS sampled every 20 ms during the levels (also per level), VmRSS and VmHWM
//! after them, and (largest population) the peak during the storm. The figures are the
//! server process's alone: code, heap, thread stacks, its database pool (the SQLite page
//! cache included), nothing of the seeding or the load generator.
//!
//!   cargo bench -p anwesend --bench checkin                            # SQLite
//!   ANWESEND_BENCH_PG_URL=postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres \
//!     cargo bench -p anwesend --bench checkin                          # and PostgreSQL
//!
//! BENCH_PEOPLE (e.g. `2000,50000`), BENCH_CONNECTIONS (e.g. `1,10,64`), BENCH_TAPS (per
//! level, default 2000), BENCH_STORM, BENCH_KIOSK_TAPS and BENCH_BACKUP_TAPS change the
//! load; BENCH_DATABASES (`sqlite`, `postgres`) measures only the databases it names. On
//! PostgreSQL the database is vacuumed and analysed after seeding and after the warm-up
//! (as autovacuum would be soon after), and a server without autovacuum gets its vacuums
//! and analyses from the bench (`support::Autovacuum`).
//! Prints figures; asserts nothing.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anwesend::accounts::service as accounts;
use anwesend::attendance::model::CardRow;
use anwesend::attendance::store as attendance;
use anwesend::audit::chain::truncate_to_micros;
use anwesend::audit::AuditContext;
use anwesend::auth::model::Role;
use anwesend::bookings::model::{BookingRow, ParticipantRow, TermRow, CONFIRMED};
use anwesend::bookings::service::name_terms;
use anwesend::clock::SystemClock;
use anwesend::config::{Config, Environment, RateLimitConfig};
use anwesend::crypto::normalize_email;
use anwesend::db::{self, Db, DbConnection, TenantScope};
use anwesend::events::model::{EventInput, SessionInput, SessionRow, STATUS_PUBLISHED};
use anwesend::events::{service as events, store as event_store};
use anwesend::locations::{model::NewLocation, service as locations};
use anwesend::state::AppState;
use anwesend::tenants::{model::NewTenant, service as tenants};
use anwesend_protocol::{self as protocol, TapRequest, TapResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::{env_usize, SLUG};

mod support;

const STAFF_EMAIL: &str = "leitung@bench.example";
const STAFF_PASSWORD: &str = "Kiosk-Bench-Passphrase-4711";
/// Set (to the job file) in the client process.
const CLIENT_ENV: &str = "BENCH_CHECKIN_CLIENT";
/// Taps before the first level, not printed: connections, caches, the first pages.
const WARM_UP: usize = 50;

/// A 7-byte card UID as the reader reports it (upper-case hex).
fn card_uid(i: usize) -> String {
    format!("04{i:012X}")
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

// ---------------------------------------------------------------------------------------
// Minimal HTTP/1.1 over one keep-alive connection.

struct Response {
    status: u16,
    /// `name=value` of each Set-Cookie.
    cookies: Vec<String>,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, conn: None }
    }

    fn connect(&mut self) -> io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            self.conn = Some(BufReader::new(open(self.addr)?));
        }
        self.conn.as_mut().ok_or_else(|| io::Error::other("no connection"))
    }

    /// The connection is dropped (and reopened next time) on errors or when the server closes it.
    fn send(&mut self, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> io::Result<Response> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        let result = self.connect().and_then(|conn| {
            conn.get_mut().write_all(&bytes)?;
            read_response(conn)
        });
        match result {
            Ok((response, keep)) => {
                if !keep {
                    self.conn = None;
                }
                Ok(response)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }
}

fn open(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    Ok(stream)
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

struct Head {
    status: u16,
    length: Option<u64>,
    chunked: bool,
    keep: bool,
    cookies: Vec<String>,
}

fn read_head(conn: &mut BufReader<TcpStream>) -> io::Result<Head> {
    let mut line = String::new();
    read_line(conn, &mut line)?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("status line"))?;
    let mut head = Head { status, length: None, chunked: false, keep: true, cookies: Vec::new() };
    loop {
        read_line(conn, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            return Ok(head);
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => head.length = Some(value.parse::<u64>().map_err(|_| bad("content-length"))?),
                "transfer-encoding" => head.chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => head.keep = !value.eq_ignore_ascii_case("close"),
                "set-cookie" => head.cookies.push(value.split(';').next().unwrap_or_default().to_owned()),
                _ => {}
            }
        }
    }
}

/// The next chunk of a chunked body; empty at its end (trailers consumed).
fn read_chunk(conn: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut line = String::new();
    read_line(conn, &mut line)?;
    let size = u64::from_str_radix(line.trim_end().split(';').next().unwrap_or_default(), 16).map_err(|_| bad("chunk size"))?;
    if size == 0 {
        loop {
            read_line(conn, &mut line)?;
            if line.trim_end().is_empty() {
                return Ok(Vec::new());
            }
        }
    }
    let mut chunk = Vec::with_capacity(size as usize);
    conn.by_ref().take(size).read_to_end(&mut chunk)?;
    read_line(conn, &mut line)?;
    Ok(chunk)
}

/// One response; returns it and whether the connection may be reused.
fn read_response(conn: &mut BufReader<TcpStream>) -> io::Result<(Response, bool)> {
    let head = read_head(conn)?;
    let mut body = Vec::new();
    let mut keep = head.keep;
    if head.chunked {
        loop {
            let chunk = read_chunk(conn)?;
            if chunk.is_empty() {
                break;
            }
            body.extend_from_slice(&chunk);
        }
    } else if let Some(n) = head.length {
        conn.by_ref().take(n).read_to_end(&mut body)?;
    } else if !(head.status == 204 || head.status == 304 || (100..200).contains(&head.status)) {
        conn.read_to_end(&mut body)?;
        keep = false;
    }
    Ok((Response { status: head.status, cookies: head.cookies, body }, keep))
}

// ---------------------------------------------------------------------------------------
// The client process: signed taps, and the kiosk stream.

/// What the bench process hands the client process (a JSON file).
#[derive(Serialize, Deserialize)]
struct Job {
    addr: SocketAddr,
    device_id: String,
    secret_hex: String,
    /// `load`: `connections` threads tap `cards` as fast as answers come; `kiosk`: one
    /// tap at a time, each waiting for its event on the kiosk stream.
    mode: String,
    connections: usize,
    cards: Vec<String>,
    /// `name=value` of the staff session cookie (kiosk mode).
    cookie: String,
    location_id: String,
    /// `load` mode: this many more threads sign the staff account in over and over
    /// (`POST /api/v1/auth/login`) while the taps run (0: none).
    storm: usize,
    /// The Origin header the sign-in needs.
    origin: String,
    /// `load` mode: stop tapping once this file exists (the backup phase: taps while the
    /// bench process takes a backup, until it is written).
    #[serde(default)]
    stop_file: Option<std::path::PathBuf>,
}

/// What the client process measured (its stdout, one JSON line).
#[derive(Serialize, Deserialize, Default)]
struct Report {
    elapsed_s: f64,
    /// Per tap in the order the taps were started: from the request's first byte written
    /// to the answer's last byte read.
    latencies_us: Vec<u64>,
    /// Answers other than 200 (0: connection or protocol error).
    other: BTreeMap<u16, usize>,
    /// The first answer body (or error) of each status in `other`, shortened.
    samples: BTreeMap<u16, String>,
    outcomes: BTreeMap<String, usize>,
    /// Kiosk: stream event arrival minus the tap's answer arriving (negative: the event came first).
    kiosk_after_answer_us: Vec<i64>,
    /// Kiosk: stream event arrival minus the tap's request being sent.
    kiosk_after_send_us: Vec<i64>,
    /// Kiosk: taps whose event did not arrive within 5 s.
    kiosk_missed: usize,
    /// Storm: sign-ins answered 200, their latencies, the other answers, and how long the
    /// storm ran (from its first request until the last tap's answer and the sign-ins then
    /// in flight).
    sign_ins: usize,
    sign_in_latencies_us: Vec<u64>,
    sign_in_other: BTreeMap<u16, usize>,
    sign_in_elapsed_s: f64,
}

fn tap_request(job: &Job, secret: &[u8], card: &str) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let tap = TapRequest {
        idempotency_key: format!("bench-{}", uuid::Uuid::new_v4().simple()),
        card_id: card.to_owned(),
        tapped_at: unix_now(),
        reader: "ACS ACR122U 00 00".into(),
        sun: None,
    };
    let body = serde_json::to_vec(&tap).expect("tap JSON");
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    headers.extend(protocol::signed_headers(&job.device_id, secret, "POST", protocol::PATH_TAPS, tap.tapped_at, &nonce, &body));
    (headers, body)
}

fn outcome_code(answer: &Response) -> (String, Option<String>) {
    match serde_json::from_slice::<TapResponse>(&answer.body) {
        Ok(r) => (serde_json::to_value(r.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(), r.first_name),
        Err(_) => ("unparsable".into(), None),
    }
}

impl Report {
    /// Counts one tap's answer; returns the greeted first name of a 200.
    fn count(&mut self, answer: io::Result<Response>) -> Option<Option<String>> {
        let (status, sample) = match answer {
            Ok(a) if a.status == 200 => {
                let (outcome, first_name) = outcome_code(&a);
                *self.outcomes.entry(outcome).or_insert(0) += 1;
                return Some(first_name);
            }
            Ok(a) => (a.status, a.text()),
            Err(e) => (0, e.to_string()),
        };
        *self.other.entry(status).or_insert(0) += 1;
        self.samples.entry(status).or_insert_with(|| sample.chars().take(300).collect());
        None
    }
}

/// One storm thread: signs the staff account in until `done`, on a keep-alive connection.
fn sign_in_loop(job: &Job, done: &AtomicBool) -> (usize, Vec<u64>, BTreeMap<u16, usize>) {
    let mut client = Client::new(job.addr);
    let body = json!({ "email": STAFF_EMAIL, "password": STAFF_PASSWORD }).to_string();
    let headers = [("Origin", job.origin.clone()), ("Content-Type", "application/json".to_owned())];
    let (mut ok, mut latencies, mut other) = (0, Vec::new(), BTreeMap::new());
    while !done.load(Ordering::Relaxed) {
        let started = Instant::now();
        let status = client.send("POST", "/api/v1/auth/login", &headers, body.as_bytes()).map_or(0, |r| r.status);
        latencies.push(started.elapsed().as_micros() as u64);
        if status == 200 {
            ok += 1;
        } else {
            *other.entry(status).or_insert(0) += 1;
            if status == 0 {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    (ok, latencies, other)
}

fn client_load(job: &Job, secret: &[u8]) -> Report {
    let next = AtomicUsize::new(0);
    let clients = job.connections.max(1);
    let barrier = Barrier::new(clients + 1);
    let done = AtomicBool::new(false);
    let stopped = AtomicBool::new(false);
    std::thread::scope(|s| {
        if let Some(file) = &job.stop_file {
            let (stopped, done) = (&stopped, &done);
            s.spawn(move || {
                while !file.exists() && !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                stopped.store(true, Ordering::Relaxed);
            });
        }
        // The storm starts first and runs until the last tap is answered.
        let storm_started = Instant::now();
        let storm: Vec<_> = (0..job.storm).map(|_| s.spawn(|| sign_in_loop(job, &done))).collect();
        if job.storm > 0 {
            std::thread::sleep(Duration::from_millis(300));
        }
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (next, barrier, stopped) = (&next, &barrier, &stopped);
                s.spawn(move || {
                    let mut client = Client::new(job.addr);
                    let _ = client.connect();
                    let (mut mine, mut order) = (Report::default(), Vec::new());
                    barrier.wait();
                    while !stopped.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(card) = job.cards.get(i) else { break };
                        let (headers, body) = tap_request(job, secret, card);
                        let started = Instant::now();
                        let answer = client.send("POST", protocol::PATH_TAPS, &headers, &body);
                        order.push((i, started.elapsed().as_micros() as u64));
                        mine.count(answer);
                    }
                    (mine, order)
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let mut report = Report { latencies_us: vec![0; job.cards.len()], ..Report::default() };
        for handle in handles {
            let (mine, order) = handle.join().expect("client thread");
            for (i, us) in order {
                report.latencies_us[i] = us;
            }
            for (k, n) in mine.other {
                *report.other.entry(k).or_insert(0) += n;
            }
            for (k, n) in mine.outcomes {
                *report.outcomes.entry(k).or_insert(0) += n;
            }
            for (k, sample) in mine.samples {
                report.samples.entry(k).or_insert(sample);
            }
        }
        report.elapsed_s = started.elapsed().as_secs_f64();
        // Stopped early: the taps never started have no latency.
        report.latencies_us.truncate(next.load(Ordering::Relaxed).min(job.cards.len()));
        done.store(true, Ordering::Relaxed);
        for handle in storm {
            let (ok, latencies, other) = handle.join().expect("storm thread");
            report.sign_ins += ok;
            report.sign_in_latencies_us.extend(latencies);
            for (k, n) in other {
                *report.sign_in_other.entry(k).or_insert(0) += n;
            }
        }
        report.sign_in_elapsed_s = storm_started.elapsed().as_secs_f64();
        report
    })
}

enum Sse {
    Ready,
    Tap { at: Instant, first_name: Option<String> },
    Failed(String),
}

/// Reads the kiosk stream until the connection ends, reporting each `event: tap`.
fn read_stream(mut conn: BufReader<TcpStream>, tx: &mpsc::Sender<Sse>) -> io::Result<()> {
    let head = read_head(&mut conn)?;
    if head.status != 200 || !head.chunked {
        return Err(bad(&format!("kiosk stream answered {} (chunked: {})", head.status, head.chunked)));
    }
    let (mut pending, mut event, mut data) = (String::new(), String::new(), String::new());
    loop {
        let chunk = read_chunk(&mut conn)?;
        let at = Instant::now();
        if chunk.is_empty() {
            return Ok(());
        }
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if event == "tap" {
                    let first_name =
                        serde_json::from_str::<serde_json::Value>(&data).ok().and_then(|v| v["first_name"].as_str().map(str::to_owned));
                    let _ = tx.send(Sse::Tap { at, first_name });
                }
                event.clear();
                data.clear();
            } else if let Some(comment) = line.strip_prefix(':') {
                if comment.trim() == "connected" {
                    let _ = tx.send(Sse::Ready);
                }
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    }
}

fn client_kiosk(job: &Job, secret: &[u8]) -> Report {
    let stream = open(job.addr).expect("kiosk connection");
    let closer = stream.try_clone().expect("kiosk socket");
    let mut conn = BufReader::new(stream);
    let request = format!(
        "GET /api/v1/kiosk/stream?location_id={} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\nCookie: {}\r\n\r\n",
        job.location_id, job.addr, job.cookie
    );
    conn.get_mut().write_all(request.as_bytes()).expect("kiosk request");
    let (tx, rx) = mpsc::channel();
    // Its error after the shutdown below is the expected end; before that it is reported.
    let reader = std::thread::spawn(move || {
        if let Err(e) = read_stream(conn, &tx) {
            let _ = tx.send(Sse::Failed(e.to_string()));
        }
    });
    let mut report = Report::default();
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Sse::Ready) => {}
        other => {
            let why = match other {
                Ok(Sse::Failed(e)) => e,
                _ => "no answer".into(),
            };
            eprintln!("kiosk stream did not open: {why}");
            report.kiosk_missed = job.cards.len();
            return report;
        }
    }
    let mut client = Client::new(job.addr);
    let _ = client.connect();
    let started_all = Instant::now();
    for card in &job.cards {
        let (headers, body) = tap_request(job, secret, card);
        let sent = Instant::now();
        let answer = client.send("POST", protocol::PATH_TAPS, &headers, &body);
        let answered = Instant::now();
        report.latencies_us.push((answered - sent).as_micros() as u64);
        let Some(first_name) = report.count(answer) else { continue };
        // The event of this tap (events of other taps, if any, are skipped).
        let deadline = answered + Duration::from_secs(5);
        let arrived = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Sse::Tap { at, first_name: name }) if name == first_name => break Some(at),
                Ok(Sse::Failed(e)) => {
                    eprintln!("kiosk stream: {e}");
                    break None;
                }
                Ok(_) => continue,
                Err(_) => break None,
            }
        };
        let Some(at) = arrived else {
            report.kiosk_missed += 1;
            continue;
        };
        let signed_us = |later: Instant, earlier: Instant| match later.checked_duration_since(earlier) {
            Some(d) => d.as_micros() as i64,
            None => -((earlier - later).as_micros() as i64),
        };
        report.kiosk_after_answer_us.push(signed_us(at, answered));
        report.kiosk_after_send_us.push(signed_us(at, sent));
    }
    report.elapsed_s = started_all.elapsed().as_secs_f64();
    let _ = closer.shutdown(Shutdown::Both);
    let _ = reader.join();
    report
}

fn client_main(job_file: &str) {
    let job: Job = serde_json::from_slice(&std::fs::read(job_file).expect("job file")).expect("job JSON");
    let secret = hex::decode(&job.secret_hex).expect("secret hex");
    let report = if job.mode == "kiosk" { client_kiosk(&job, &secret) } else { client_load(&job, &secret) };
    println!("{}", serde_json::to_string(&report).expect("report JSON"));
}

// ---------------------------------------------------------------------------------------
// The bench process: database, set-up, the server process, and the figures.

/// A signed-in staff member's browser: session cookie, CSRF token, Origin.
struct Staff {
    client: Client,
    origin: String,
    cookie: String,
    csrf: String,
}

impl Staff {
    fn login(addr: SocketAddr, origin: &str) -> Self {
        let mut client = Client::new(addr);
        let body = json!({ "email": STAFF_EMAIL, "password": STAFF_PASSWORD }).to_string();
        let headers = [("Origin", origin.to_owned()), ("Content-Type", "application/json".to_owned())];
        let answer = client.send("POST", "/api/v1/auth/login", &headers, body.as_bytes()).expect("login");
        assert_eq!(answer.status, 200, "login: {}", answer.text());
        let cookie = answer.cookies.iter().find(|c| c.contains("anwesend_session=")).expect("session cookie").clone();
        let csrf = answer.json()["csrf_token"].as_str().expect("csrf token").to_owned();
        Self { client, origin: origin.to_owned(), cookie, csrf }
    }

    /// On a new connection each time: the server closes idle ones after a few seconds.
    fn send(&mut self, method: &str, path: &str, body: &serde_json::Value) -> Response {
        self.client.conn = None;
        let headers = [
            ("Origin", self.origin.clone()),
            ("Cookie", self.cookie.clone()),
            ("X-CSRF-Token", self.csrf.clone()),
            ("Content-Type", "application/json".to_owned()),
        ];
        self.client.send(method, path, &headers, body.to_string().as_bytes()).expect("staff request")
    }

    /// A device enrolled over HTTP (enrolment code, then the agent's enrolment) at
    /// `location`, set to check in with a 10-second duplicate window.
    fn enrol_device(&mut self, addr: SocketAddr, location: &str) -> protocol::EnrolResponse {
        let code = self.send("POST", "/api/v1/devices/enrolment-codes", &json!({ "name": "Eingang", "location_id": location }));
        assert_eq!(code.status, 201, "enrolment code: {}", code.text());
        let code = code.json()["code"].as_str().expect("code").to_owned();
        let enrol = serde_json::to_vec(&protocol::EnrolRequest { code, agent_version: env!("CARGO_PKG_VERSION").into() }).expect("JSON");
        let enrolled = Client::new(addr)
            .send("POST", protocol::PATH_ENROL, &[("Content-Type", "application/json".to_owned())], &enrol)
            .expect("enrol");
        assert_eq!(enrolled.status, 201, "enrol: {}", enrolled.text());
        let enrolled: protocol::EnrolResponse = serde_json::from_slice(&enrolled.body).expect("enrol answer");
        let settings = json!({
            "name": "Eingang", "location_id": location, "mode": "check_in",
            "duplicate_window_seconds": 10, "late_upload_after_seconds": 300, "session_ids": [],
        });
        let set = self.send("PUT", &format!("/api/v1/devices/{}", enrolled.device_id), &settings);
        assert_eq!(set.status, 200, "device settings: {}", set.text());
        enrolled
    }
}

struct Load {
    /// People with cards, one database each.
    sizes: Vec<usize>,
    levels: Vec<usize>,
    taps: usize,
    kiosk_taps: usize,
    /// Sign-in threads of the storm, and the tap connections beside it.
    storm: usize,
    storm_connections: usize,
    /// The most taps of the backup phase (it stops when the backup is written).
    backup_taps: usize,
    /// Sessions planned over the next year before the "planned" phase (0: no such phase).
    planned_sessions: usize,
}

/// One run of the client process: its own hall (location) with an event whose one session
/// runs now, and its own device there, so every phase starts with an empty session and no
/// earlier tap of the same person on its device. Tap `j` of the phase is the card of
/// person `(start + j) % people`, who is booked on the phase's event.
struct Phase {
    mode: &'static str,
    connections: usize,
    storm: usize,
    start: usize,
    taps: usize,
    location: String,
    event: String,
    session: String,
}

impl Phase {
    fn people(&self, people: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.taps).map(move |j| (self.start + j) % people)
    }
}

/// The figures of one client run: latencies in milliseconds, sorted.
struct Figures {
    report: Report,
    taps: Vec<f64>,
    after_answer: Vec<f64>,
    after_send: Vec<f64>,
}

fn sorted_ms(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut ms: Vec<f64> = values.map(|us| us / 1e3).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

impl Figures {
    fn new(report: Report) -> Self {
        Self {
            taps: sorted_ms(report.latencies_us.iter().map(|&v| v as f64)),
            after_answer: sorted_ms(report.kiosk_after_answer_us.iter().map(|&v| v as f64)),
            after_send: sorted_ms(report.kiosk_after_send_us.iter().map(|&v| v as f64)),
            report,
        }
    }

    fn check_ins_per_s(&self) -> f64 {
        self.check_ins() as f64 / self.report.elapsed_s
    }

    fn check_ins(&self) -> usize {
        self.report.outcomes.get("checked_in").copied().unwrap_or(0)
    }

    fn unexpected(&self) -> String {
        let n: usize = self.report.other.values().sum();
        if n == 0 {
            "0".into()
        } else {
            format!("{n} {:?}", self.report.other)
        }
    }

    /// Tap outcomes other than `checked_in` (there should be none).
    fn other_outcomes(&self) -> String {
        let other: Vec<String> =
            self.report.outcomes.iter().filter(|(k, _)| k.as_str() != "checked_in").map(|(k, n)| format!("{k} {n}")).collect();
        if other.is_empty() {
            "-".into()
        } else {
            other.join(", ")
        }
    }

    fn print_samples(&self, label: &str) {
        for (status, sample) in &self.report.samples {
            println!("{label:<8}   first non-200 answer {status}: {sample}");
        }
    }
}

/// Runs the client process on `job` and reads its report.
fn drive(dir: &std::path::Path, job: &Job) -> Figures {
    let file = dir.join(format!("job-{}-{}.json", job.mode, job.connections));
    std::fs::write(&file, serde_json::to_vec(job).expect("job JSON")).expect("job file");
    let out = Command::new(std::env::current_exe().expect("bench executable"))
        .env(CLIENT_ENV, &file)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("client process");
    assert!(out.status.success(), "client process failed: {}", out.status);
    let line = String::from_utf8_lossy(&out.stdout);
    Figures::new(serde_json::from_str(line.lines().last().unwrap_or_default()).expect("client report"))
}

/// Inserts `rows` into `table` in multi-row statements of at most 1,000 rows.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        for part in $rows.chunks(1000) {
            diesel::insert_into($table).values(part).execute($conn)?;
        }
    };
}

/// `people` participants, each with a card (but for participant 0, whose card is bound
/// over HTTP) and a confirmed booking on the event of every phase that taps them; people
/// no phase taps are booked on `rest` (an event next week). The library's rows (the same
/// encryption and blind indexes as the services), in transactions of 2,000 participants
/// with multi-row inserts. Each transaction on a new connection: PostgreSQL keeps a
/// foreign-key check's plan per connection, and one made while the tables were empty
/// scans them. Returns the participant ids and the number of bookings.
fn seed(state: &AppState, app_url: &str, scope: &TenantScope, people: usize, phases: &[Phase], rest: &str) -> (Vec<String>, usize) {
    use anwesend::db::schema::{bookings as b, cards as c, participant_terms as t, participants as p};
    use diesel::RunQueryDsl;
    let tenant = scope.tenant_id().to_owned();
    let keys = tenants::load_keys(&state.db, &state.master, scope).expect("tenant keys");
    let at = truncate_to_micros(chrono::Utc::now().naive_utc());
    let mut events_of: Vec<Vec<&str>> = vec![Vec::new(); people];
    for phase in phases {
        for i in phase.people(people) {
            events_of[i].push(&phase.event);
        }
    }
    let (mut ids, mut bookings) = (Vec::with_capacity(people), 0);
    let all: Vec<usize> = (0..people).collect();
    for batch in all.chunks(2000) {
        let (mut persons, mut terms, mut booked, mut bound) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &i in batch {
            let id = uuid::Uuid::now_v7().to_string();
            let (name, email) = (format!("Person{i} Bench"), normalize_email(&format!("person{i}@bench.example")));
            persons.push(ParticipantRow {
                tenant_id: tenant.clone(),
                email_ciphertext: keys.encrypt("participants", "email", &id, &email),
                email_index: keys.blind_index("participants", "email", &email),
                name_ciphertext: keys.encrypt("participants", "name", &id, &name),
                phone_ciphertext: None,
                language: "de".into(),
                mail_opt_out_at: None,
                mail_opt_out_reason: None,
                mail_opt_out_text_ciphertext: None,
                created_at: at,
                updated_at: at,
                restricted_at: None,
                erased_at: None,
                id: id.clone(),
            });
            terms.extend(name_terms(&name).iter().map(|term| TermRow {
                tenant_id: tenant.clone(),
                participant_id: id.clone(),
                term_index: keys.blind_index("participants", "name_term", term),
            }));
            let events: &[&str] = if events_of[i].is_empty() { &[rest] } else { &events_of[i] };
            booked.extend(events.iter().map(|&event| BookingRow {
                tenant_id: tenant.clone(),
                id: uuid::Uuid::now_v7().to_string(),
                event_id: event.to_owned(),
                participant_id: id.clone(),
                status: CONFIRMED.into(),
                answers_ciphertext: None,
                consent_text: "Bench consent".into(),
                consented_at: at,
                queued_at: at,
                created_at: at,
                cancelled_at: None,
                cancelled_by: None,
                mail_id: None,
            }));
            bookings += events.len();
            if i > 0 {
                bound.push(CardRow {
                    tenant_id: tenant.clone(),
                    id: uuid::Uuid::now_v7().to_string(),
                    card_hmac: keys.blind_index("cards", "uid", &card_uid(i)),
                    participant_id: id.clone(),
                    created_by: None,
                    created_at: at,
                    sdm_counter: None,
                });
            }
            ids.push(id);
        }
        let mut fresh = db::DatabaseUrl::parse(app_url).expect("database URL").connect().expect("seeding connection");
        db::write_transaction(&mut fresh, Some(scope), |tx| {
            let tx = &mut tx.tenant()?;
            match tx.conn() {
                DbConnection::Postgres(conn) => {
                    insert_rows!(conn, p::table, persons);
                    insert_rows!(conn, t::table, terms);
                    insert_rows!(conn, b::table, booked);
                    insert_rows!(conn, c::table, bound);
                }
                DbConnection::Sqlite(conn) => {
                    insert_rows!(conn, p::table, persons);
                    insert_rows!(conn, t::table, terms);
                    insert_rows!(conn, b::table, booked);
                    insert_rows!(conn, c::table, bound);
                }
            }
            Ok(())
        })
        .expect("seed participants, bookings and cards");
    }
    (ids, bookings)
}

fn bench_config(database: &support::Database, dir: &std::path::Path) -> Config {
    Config {
        environment: Some(Environment::Dev),
        database_url: database.app_url.clone(),
        // The backup phase takes backups from the bench process; the server takes none.
        backups: anwesend::config::BackupConfig { database_url: database.backup_url.clone(), schedule: false, ..Default::default() },
        data_dir: dir.join("data"),
        frontend_dir: dir.join("no-ui"),
        // The bench's sign-ins, enrolments, storm and taps all come from 127.0.0.1.
        rate_limit: RateLimitConfig {
            sign_in_per_ip_per_minute: 100_000_000,
            sign_in_per_account_per_minute: 100_000_000,
            mfa_per_account_per_minute: 100_000_000,
            public_per_ip_per_minute: 100_000_000,
            magic_link_per_email_per_minute: 100_000_000,
            unauthenticated_per_minute: 100_000_000,
            device_per_ip_per_minute: 100_000_000,
            ..RateLimitConfig::default()
        },
        ..Config::default()
    }
}

/// A location with an event there whose one session runs now (or, `now` false, next week).
fn hall_with_event(
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    k: usize,
    title: &str,
    now: bool,
) -> (String, String, String) {
    let location =
        locations::create(&state.db, scope, ctx, NewLocation { name: format!("Halle {k}"), parent_id: None }).expect("location").id;
    let starts = chrono::Utc::now().naive_utc() + if now { chrono::Duration::minutes(-5) } else { chrono::Duration::days(7) };
    let input = EventInput {
        kind: "event".into(),
        title: title.to_owned(),
        description: String::new(),
        location_id: Some(location.clone()),
        company_id: None,
        capacity: 100_000,
        waiting_list: false,
        booking_opens_at: None,
        booking_closes_at: None,
        fields: Vec::new(),
        sessions: vec![SessionInput { starts_at: starts, ends_at: starts + chrono::Duration::hours(3) }],
        instructor_ids: Vec::new(),
        signature_required: false,
    };
    let event = events::create_as(&state.db, scope, ctx, None, &input, STATUS_PUBLISHED).expect("event");
    let session =
        state.db.tenant_tx(scope, |tx| Ok(event_store::sessions(tx, std::slice::from_ref(&event))?)).expect("session").remove(0).id;
    (location, event, session)
}

/// One database with `people` people: set-up, the server process, the phases, the
/// figures. `full`: also the sign-in storm and the kiosk.
fn run(database: &support::Database, people: usize, load: &Load, full: bool) {
    let label = database.label;
    let dir = tempfile::tempdir().expect("dir");
    let config = bench_config(database, dir.path());
    std::fs::create_dir_all(&config.data_dir).expect("data dir");
    let (master, master_file) = support::master_key(&config.data_dir);
    let origin = config.public_origin().to_owned();
    let db = Db::new(&database.app_url, 2).expect("pool");
    let state = AppState::new(config.clone(), db, master, Arc::new(SystemClock));
    let now = chrono::Utc::now();
    let ctx = AuditContext::system(now);
    let tenant = tenants::create(&state.db, &state.master, &ctx, NewTenant { slug: SLUG.into(), name: "Bench".into(), is_demo: false })
        .expect("tenant");
    let scope = TenantScope::named_by_operator(tenant.id.clone());
    state.ip_hasher.ensure_key(now).expect("IP-hash key");
    accounts::grant_by_operator(
        &state.db,
        &state.master,
        state.config.auth.password_hash,
        &ctx,
        &scope,
        STAFF_EMAIL,
        STAFF_PASSWORD,
        Role::TenantAdmin,
    )
    .expect("staff account");

    // Warm-up, the levels, (the storm,) (the kiosk): a hall, an event running now and a
    // device for each.
    let taps = load.taps.min(people);
    let mut plan: Vec<(&'static str, usize, usize, usize)> = vec![("warm-up", 4, 0, WARM_UP.min(people))];
    plan.extend(load.levels.iter().map(|&c| ("load", c, 0, taps)));
    if full {
        plan.push(("storm", load.storm_connections, load.storm, taps));
        plan.push(("kiosk", 1, 0, load.kiosk_taps.min(people)));
        plan.push(("backup", load.storm_connections, 0, load.backup_taps.min(people)));
    }
    // Last, so the sessions it plans ahead touch no other figure.
    if load.planned_sessions > 0 {
        plan.push(("planned", 1, 0, taps));
    }
    let mut phases = Vec::new();
    let mut start = 0;
    for (k, &(mode, connections, storm, n)) in plan.iter().enumerate() {
        let (location, event, session) = hall_with_event(&state, &scope, &ctx, k, &format!("Check-in bench {mode} c={connections}"), true);
        phases.push(Phase { mode, connections, storm, start, taps: n, location, event, session });
        start = (start + n) % people;
    }
    let (_, rest, _) = hall_with_event(&state, &scope, &ctx, plan.len(), "Next week", false);
    let seeding = Instant::now();
    let (participants, bookings) = seed(&state, &database.app_url, &scope, people, &phases, &rest);
    // Each booking updated its event's count: what autovacuum does within a minute.
    database.settle();
    let seeded = seeding.elapsed();

    // The server alone in its own process; over HTTP: sign-in, a device per phase, card 0 bound by tap.
    let server = support::ServerProcess::start(dir.path(), &config, &master_file);
    let started_memory = server.memory();
    let addr = server.addr;
    let mut staff = Staff::login(addr, &origin);
    let devices: Vec<protocol::EnrolResponse> = phases.iter().map(|phase| staff.enrol_device(addr, &phase.location)).collect();
    let cookie = staff.cookie.clone();
    let job = |k: usize| {
        let phase = &phases[k];
        Job {
            addr,
            device_id: devices[k].device_id.clone(),
            secret_hex: devices[k].secret.clone(),
            mode: if phase.mode == "kiosk" { "kiosk" } else { "load" }.into(),
            connections: phase.connections,
            cards: phase.people(people).map(card_uid).collect(),
            cookie: cookie.clone(),
            location_id: phase.location.clone(),
            storm: phase.storm,
            origin: origin.clone(),
            stop_file: (phase.mode == "backup").then(|| dir.path().join("backup-written")),
        }
    };
    let pending = staff.send(
        "POST",
        &format!("/api/v1/devices/{}/card-enrolment", devices[0].device_id),
        &json!({ "participant_id": participants[0] }),
    );
    assert_eq!(pending.status, 200, "card enrolment: {}", pending.text());
    let (headers, body) = tap_request(&job(0), &hex::decode(&devices[0].secret).expect("secret hex"), &card_uid(0));
    let bound = Client::new(addr).send("POST", protocol::PATH_TAPS, &headers, &body).expect("binding tap");
    let bound = if bound.status == 200 { outcome_code(&bound).0 } else { format!("HTTP {} {}", bound.status, bound.text()) };
    println!(
        "{label:<8} {people:>6} people: seeded in {:.1} s (each with a card and ~{:.1} confirmed bookings); {} devices enrolled and card 0 bound over HTTP: {bound}; server process started, VmRSS {:.1} MiB",
        seeded.as_secs_f64(),
        bookings as f64 / people as f64,
        devices.len(),
        support::mib(started_memory.rss_kib),
    );

    // The levels measure the check-ins alone: the set-up sign-in's Argon2 memory (19 MiB,
    // kept for the next sign-in) is given back first. The storm measures it under load.
    std::thread::sleep(anwesend::auth::password::ARGON2_KEEP_MEMORY + Duration::from_millis(500));
    let before_levels = server.memory();

    let records =
        |session: &str| state.db.tenant_tx(&scope, |tx| Ok(attendance::of_sessions(tx, &[session.to_owned()])?.len())).expect("read back");
    let (mut c10_p99, mut c1_p50, mut load_rss, mut storm_rss, mut after_levels) = (None, None, 0, 0, support::Memory::default());
    let mut level_rss = Vec::new();
    for (k, phase) in phases.iter().enumerate() {
        if phase.mode == "backup" {
            backup_phase(&state, database, &job(k), dir.path(), people, c10_p99);
            continue;
        }
        if phase.mode == "planned" {
            plan_a_year(database, &scope, &rest, load.planned_sessions);
        }
        let sampler = support::RssSampler::start(server.pid());
        let f = drive(dir.path(), &job(k));
        let peak = sampler.stop();
        let c = phase.connections;
        match phase.mode {
            // The warm-up's taps, records and audit entries are in the planner's
            // statistics before the levels, as a day's are in production.
            "warm-up" => database.settle(),
            "load" => {
                load_rss = load_rss.max(peak);
                level_rss.push(format!("c={c} {:.1}", support::mib(peak)));
                if c == load.storm_connections {
                    c10_p99 = Some(pct(&f.taps, 0.99));
                }
                if c == 1 {
                    c1_p50 = Some(pct(&f.taps, 0.50));
                }
                println!(
                    "{label:<8} {people:>6} {c:>4} {:>6} {:>11.0} {:>8.2} {:>8.2} {:>8.2}  {:<8} {:>7}  {}",
                    f.report.latencies_us.len(),
                    f.check_ins_per_s(),
                    pct(&f.taps, 0.50),
                    pct(&f.taps, 0.99),
                    pct(&f.taps, 1.0),
                    f.unexpected(),
                    records(&phase.session),
                    f.other_outcomes(),
                );
                f.print_samples(label);
                after_levels = server.memory();
            }
            "planned" => {
                println!(
                    "{label:<8} {people:>6} planned: 1 connection with {} more sessions planned over the next year (another hall's event): {:.0} check-ins/s, p50 {:.2} ms, p99 {:.2} ms (without them: p50 {}); non-200: {}; records {}; other outcomes: {}",
                    load.planned_sessions,
                    f.check_ins_per_s(),
                    pct(&f.taps, 0.50),
                    pct(&f.taps, 0.99),
                    c1_p50.map_or("not measured".into(), |p| format!("{p:.2} ms")),
                    f.unexpected(),
                    records(&phase.session),
                    f.other_outcomes(),
                );
                f.print_samples(label);
            }
            "storm" => {
                storm_rss = peak;
                let r = &f.report;
                let sign_in = sorted_ms(r.sign_in_latencies_us.iter().map(|&v| v as f64));
                let refused: usize = r.sign_in_other.values().sum();
                println!(
                    "{label:<8} {people:>6} storm: {c} connections tapping while {} threads sign in (Argon2id at the configured cost): {:.0} check-ins/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (without the storm at c={c}: p99 {}); non-200 taps: {}; other outcomes: {}",
                    phase.storm,
                    f.check_ins_per_s(),
                    pct(&f.taps, 0.50),
                    pct(&f.taps, 0.99),
                    pct(&f.taps, 1.0),
                    c10_p99.map_or("not measured".into(), |p| format!("{p:.2} ms")),
                    f.unexpected(),
                    f.other_outcomes(),
                );
                println!(
                    "{label:<8} {people:>6} storm: {} sign-ins in {:.1} s = {:.1} sign-ins/s, p50 {:.1} ms, p99 {:.1} ms; sign-ins not 200: {}",
                    r.sign_ins,
                    r.sign_in_elapsed_s,
                    r.sign_ins as f64 / r.sign_in_elapsed_s,
                    pct(&sign_in, 0.50),
                    pct(&sign_in, 0.99),
                    if refused == 0 { "0".into() } else { format!("{refused} {:?}", r.sign_in_other) },
                );
                f.print_samples(label);
            }
            _ => {
                let (a, s) = (&f.after_answer, &f.after_send);
                println!(
                    "{label:<8} {people:>6} kiosk: {} taps one at a time, stream open: tap → event on the stream p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (after the tap's 200 arrived: p50 {:.2} ms, p99 {:.2} ms); tap p50 {:.2} ms; non-200: {}; events missed: {}",
                    f.report.latencies_us.len(),
                    pct(s, 0.50),
                    pct(s, 0.99),
                    pct(s, 1.0),
                    pct(a, 0.50),
                    pct(a, 0.99),
                    pct(&f.taps, 0.50),
                    f.unexpected(),
                    f.report.kiosk_missed,
                );
                f.print_samples(label);
            }
        }
    }
    let end = server.memory();
    println!(
        "{label:<8} {people:>6} server RSS (its own process, serving only): {:.1} MiB at start, {:.1} MiB before the levels, peak {:.1} MiB during them (sampled every 20 ms; {}), {:.1} MiB after them (VmHWM, with the set-up's staff sign-in: {:.1} MiB){}",
        support::mib(started_memory.rss_kib),
        support::mib(before_levels.rss_kib),
        support::mib(load_rss),
        level_rss.join(", "),
        support::mib(after_levels.rss_kib),
        support::mib(after_levels.hwm_kib),
        if full {
            format!(
                "; peak {:.1} MiB during the sign-in storm, {:.1} MiB at the end (VmHWM {:.1} MiB)",
                support::mib(storm_rss),
                support::mib(end.rss_kib),
                support::mib(end.hwm_kib)
            )
        } else {
            String::new()
        }
    );
    server.stop();
}

/// Adds `count` one-hour sessions to `event` (another hall's), spread evenly over the
/// next year: what a tenant's calendar holds once its courses are planned ahead. A tap
/// should not pay for them. Straight into the database, as the seeding; on PostgreSQL
/// analysed afterwards, as autovacuum would.
fn plan_a_year(database: &support::Database, scope: &TenantScope, event: &str, count: usize) {
    use anwesend::db::schema::event_sessions as s;
    use diesel::RunQueryDsl;
    let first = truncate_to_micros(chrono::Utc::now().naive_utc()) + chrono::Duration::hours(1);
    let step = chrono::Duration::days(365) / i32::try_from(count).expect("sessions");
    let rows: Vec<SessionRow> = (0..count)
        .map(|i| {
            let starts_at = first + step * i32::try_from(i).expect("session");
            SessionRow {
                tenant_id: scope.tenant_id().to_owned(),
                id: uuid::Uuid::now_v7().to_string(),
                event_id: event.to_owned(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(1),
            }
        })
        .collect();
    let mut fresh = db::DatabaseUrl::parse(&database.app_url).expect("database URL").connect().expect("planning connection");
    db::write_transaction(&mut fresh, Some(scope), |tx| {
        let tx = &mut tx.tenant()?;
        match tx.conn() {
            DbConnection::Postgres(conn) => insert_rows!(conn, s::table, rows),
            DbConnection::Sqlite(conn) => insert_rows!(conn, s::table, rows),
        }
        Ok(())
    })
    .expect("plan sessions");
    database.settle();
}

/// The backup figures (TOM AVAIL-1, AVAIL-2, issue #19): a backup taken and verified on the
/// quiet server (time, file size), then a backup taken while `job`'s connections tap,
/// which stop when it is written: the check-in p50/p99 during the backup beside the p99
/// at the same connections without it. The backup runs in this process, as the server's
/// scheduled job does (its own connection, `VACUUM INTO` or `pg_dump` as the backup role).
fn backup_phase(state: &AppState, database: &support::Database, job: &Job, dir: &std::path::Path, people: usize, c10_p99: Option<f64>) {
    use anwesend::backups::service as backups;
    let label = database.label;
    let ctx = || AuditContext::system(chrono::Utc::now());
    let quiet_at = ctx();
    let started = Instant::now();
    let (path, size) = backups::create(state, &quiet_at).expect("backup");
    let created = started.elapsed();
    let started = Instant::now();
    let verified = backups::verify(state, &ctx(), &path, None).expect("verify");
    let verify_took = started.elapsed();
    println!(
        "{label:<8} {people:>6} backup (quiet server): created in {:.1} s, {:.1} MiB encrypted ({} tables, {} rows); verified in {:.1} s ({} audit chains intact)",
        created.as_secs_f64(),
        size as f64 / 1024.0 / 1024.0,
        verified.tables,
        verified.rows,
        verify_took.as_secs_f64(),
        verified.chains,
    );
    let marker = job.stop_file.clone().expect("the backup phase stops on a file");
    let under_load = std::thread::scope(|s| {
        let taker = s.spawn(|| {
            // The taps are under way first.
            std::thread::sleep(Duration::from_millis(500));
            // A backup's file is named by the second it is taken in: wait for a second
            // after the quiet one's (a fast machine takes both within one).
            while chrono::Utc::now().timestamp() <= quiet_at.at.timestamp() {
                std::thread::sleep(Duration::from_millis(10));
            }
            let started = Instant::now();
            let taken = backups::create(state, &ctx());
            let took = started.elapsed();
            std::fs::write(&marker, b"").expect("marker");
            taken.map(|(_, size)| (took, size))
        });
        let f = drive(dir, job);
        (f, taker.join().expect("backup thread"))
    });
    let (f, taken) = under_load;
    let (took, size) = taken.expect("backup under load");
    println!(
        "{label:<8} {people:>6} backup under load: {} connections tapping while a backup is taken ({:.1} s, {:.1} MiB): {} taps, {:.0} check-ins/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (without the backup at c={}: p99 {}); non-200 taps: {}; other outcomes: {}",
        job.connections,
        took.as_secs_f64(),
        size as f64 / 1024.0 / 1024.0,
        f.taps.len(),
        f.check_ins_per_s(),
        pct(&f.taps, 0.50),
        pct(&f.taps, 0.99),
        pct(&f.taps, 1.0),
        job.connections,
        c10_p99.map_or("not measured".into(), |p| format!("{p:.2} ms")),
        f.unexpected(),
        f.other_outcomes(),
    );
    f.print_samples(label);
}

fn main() {
    if support::serve_if_child() {
        return;
    }
    if let Ok(job) = std::env::var(CLIENT_ENV) {
        client_main(&job);
        return;
    }
    let sizes = support::env_list("BENCH_PEOPLE", &[2000, 50_000]).into_iter().map(|n| n.min(1_000_000)).collect::<Vec<_>>();
    let load = Load {
        sizes,
        levels: support::env_list("BENCH_CONNECTIONS", &[1, 10, 64]),
        taps: env_usize("BENCH_TAPS", 2000).max(1),
        kiosk_taps: env_usize("BENCH_KIOSK_TAPS", 200).max(1),
        storm: env_usize("BENCH_STORM", 4),
        storm_connections: 10,
        backup_taps: env_usize("BENCH_BACKUP_TAPS", 20_000).max(1),
        planned_sessions: env_usize("BENCH_PLANNED_SESSIONS", 36_500).min(1_000_000),
    };
    let largest = load.sizes.iter().copied().max().unwrap_or(0);
    println!(
        "checkin bench: people {:?} (a fresh database each); {} signed taps per level at {:?} connections from a client process, each a real check-in; with {largest} people also a sign-in storm ({} threads) beside {} tapping connections, and {} taps with the kiosk stream open; the server in its own process; {} CPUs",
        load.sizes,
        load.taps,
        load.levels,
        load.storm,
        load.storm_connections,
        load.kiosk_taps,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    for kind in support::database_kinds() {
        println!(
            "{:<8} {:>6} {:>4} {:>6} {:>11} {:>8} {:>8} {:>8}  {:<8} {:>7}  other outcomes",
            "db", "people", "conn", "taps", "check-ins/s", "p50 ms", "p99 ms", "max ms", "non-200", "records"
        );
        for (n, &people) in load.sizes.iter().enumerate() {
            let database = support::Database::fresh(kind, &format!("checkin{n}"));
            run(&database, people, &load, people == largest);
        }
    }
}
