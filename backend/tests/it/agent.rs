//! The NFC agent (`anwesend-agent run`) end to end: a real pcscd with vsmartcard's
//! virtual readers, virtual cards from `pcsc.rs`, the real server, and the agent binary
//! (TOM AVAIL-4, TRANS-1, DEV-1). `make test` builds the agent before the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::test;
use anwesend::http::build_app;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{test_app_beside_server, TestApp, TestDb};
use crate::fixtures::ntag424::Ntag424;
use crate::fixtures::pcsc::{reader_name, sun_url, tap, tap_chip, wait_until_empty, Chip, PcscLab, SecureChip, VirtualCard};
use crate::fixtures::server::{anwesend, free_port, text, Lines, Server};
use crate::fixtures::{bind_card, book_confirmed, call, json_of, signed, venue, Device, Venue};

fn agent_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_anwesend")).with_file_name("anwesend-agent");
    assert!(bin.exists(), "{} is missing: build it first (`cargo build --bins`; `make test` does)", bin.display());
    bin
}

/// `anwesend-agent run`, killed (SIGKILL) when dropped.
struct Agent {
    child: Child,
    out: Lines,
}

impl Agent {
    fn start(config: &Path, extra: &[&str]) -> Agent {
        let mut child = Command::new(agent_bin())
            .env_clear()
            .env("ANWESEND_AGENT_CONFIG", config)
            .args(["run", "--retry-max-seconds", "1", "--heartbeat-seconds", "1"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the agent");
        let out = Lines::default();
        out.follow(child.stdout.take().expect("stdout"));
        out.follow(child.stderr.take().expect("stderr"));
        let agent = Agent { child, out };
        agent.out.wait_for(&format!("reader added: {}", reader_name(0)), 1, Duration::from_secs(15));
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- agent output ---\n{}", self.out.all().join("\n"));
        }
    }
}

fn agent_command(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(agent_bin()).env_clear().env("ANWESEND_AGENT_CONFIG", config).args(args).output().expect("agent")
}

/// The real server on `test_db`, an in-process app beside it for the set-up, a venue
/// with a session running now, `people` confirmed bookings, and an agent enrolled
/// through its own `enroll` command, each person's card bound to them.
struct Rig {
    app: TestApp,
    dir: tempfile::TempDir,
    port: u16,
    server: Option<Server>,
    venue: Venue,
    device: Device,
    config: PathBuf,
    cards: Vec<[u8; 7]>,
}

fn card(n: usize) -> [u8; 7] {
    [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0x10, u8::try_from(n).expect("small")]
}

fn hex(uid: &[u8]) -> String {
    uid.iter().map(|b| format!("{b:02X}")).collect()
}

fn curl(port: u16, args: &[&str], path: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    let body = text(&out.stdout);
    let (body, code) = body.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

impl Rig {
    fn start_server(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.path().join("server.log")).expect("log");
        let child = anwesend(&self.app.db, self.dir.path())
            .arg("serve")
            .env("ANWESEND_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("ANWESEND_PUBLIC_URL", format!("http://localhost:{}", self.port))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("serve");
        self.server = Some(Server(child));
        wait_healthy(self.port);
    }

    fn stop_server(&mut self) {
        self.server = None;
    }

    /// Check-ins recorded for the session, as card numbers in the order the server got them.
    fn checked_in(&self) -> Vec<usize> {
        use anwesend::db::schema::attendance::dsl as a;
        let rows: Vec<String> = a::attendance
            .filter(a::session_id.eq(&self.venue.session).and(a::kind.eq("check_in")))
            .order((a::recorded_at.asc(), a::id.asc()))
            .select(a::participant_id)
            .load(&mut self.app.db.inspect())
            .expect("attendance");
        let people = self.people();
        rows.iter().map(|p| people.iter().position(|q| q == p).expect("a participant of the rig")).collect()
    }

    /// Taps the server received from the agent's device, binding taps included.
    fn taps_received(&self) -> i64 {
        use anwesend::db::schema::device_taps::dsl as t;
        t::device_taps.filter(t::device_id.eq(&self.device.id)).count().get_result(&mut self.app.db.inspect()).expect("taps")
    }

    fn people(&self) -> Vec<String> {
        self.cards.iter().enumerate().map(|(n, _)| participant_of(&self.app, &self.venue, n)).collect()
    }
}

fn participant_of(app: &TestApp, venue: &Venue, n: usize) -> String {
    use anwesend::db::schema::bookings::dsl as b;
    let mut ids: Vec<(String, String)> =
        b::bookings.filter(b::event_id.eq(&venue.event)).select((b::id, b::participant_id)).load(&mut app.db.inspect()).expect("bookings");
    ids.sort();
    ids[n].1.clone()
}

fn wait_healthy(port: u16) {
    let started = Instant::now();
    while curl(port, &[], "/healthz").0 != 200 {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
}

async fn rig(people: usize) -> Rig {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    // The server writes the dev master key at first start; the set-up shares it.
    let mut first = Server(
        anwesend(&test_db, dir.path())
            .arg("serve")
            .env("ANWESEND_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    wait_healthy(port);
    let _ = first.0.kill();
    drop(first);
    let master = anwesend::crypto::MasterKey::read_file(&dir.path().join("master.key")).expect("dev master key");
    let app = test_app_beside_server(test_db, master);
    let service = app.service().await;
    let _scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let venue = venue(&app, &service, "verein-a", ("Anna Muster", "anna@example.org")).await;
    for n in 1..people {
        let (status, body) = book_confirmed(
            &app,
            &service,
            "verein-a",
            &venue.event,
            json!({ "name": format!("Person{n:02} Muster"), "email": format!("person{n}@example.org"), "consent": true }),
            "198.51.100.5",
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    let mut rig = Rig {
        app,
        dir,
        port,
        server: None,
        venue,
        device: Device { id: String::new(), secret: Vec::new() },
        config: PathBuf::new(),
        cards: (0..people).map(card).collect(),
    };
    rig.start_server();

    // The admin's one-time code, and the agent's own enrolment over HTTP.
    let (status, _, code) = call(
        &service,
        rig.venue
            .staff
            .request("POST", "/api/v1/devices/enrolment-codes")
            .set_json(json!({ "name": "Eingang Nord", "location_id": rig.venue.location })),
    )
    .await;
    assert_eq!(status.as_u16(), 201);
    let code = json_of(&code)["code"].as_str().expect("code").to_owned();
    rig.config = rig.dir.path().join("device.json");
    let server = format!("http://127.0.0.1:{port}");
    let out = agent_command(&rig.config, &["enroll", "--server", &server, "--code", &code, "--insecure-dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Enrolled as \"Eingang Nord\""), "{}", text(&out.stdout));
    let identity: Value = serde_json::from_str(&std::fs::read_to_string(&rig.config).expect("identity")).expect("json");
    rig.device = Device {
        id: identity["device_id"].as_str().expect("id").into(),
        secret: hex::decode(identity["secret"].as_str().expect("secret")).expect("hex"),
    };
    for (n, uid) in rig.cards.iter().enumerate() {
        let participant = participant_of(&rig.app, &rig.venue, n);
        bind_card(&rig.app, &service, &rig.venue.staff, &rig.device, &participant, &hex(uid)).await;
    }
    rig
}

fn cookie_header(venue: &Venue) -> String {
    let cookie = venue.staff.cookie.as_ref().expect("signed in");
    format!("Cookie: {}={}", cookie.name(), cookie.value())
}

#[actix_web::test]
async fn avail_4_a_card_on_the_reader_checks_in_reaches_the_kiosk_and_survives_a_pcscd_restart() {
    let rig = rig(3).await;
    let mut lab = PcscLab::start();
    let agent = Agent::start(&rig.config, &["--beep"]);

    // The kiosk at the entrance follows the device's location.
    let mut kiosk = Command::new("curl")
        .args(["-sN", "--max-time", "120", "-H", &cookie_header(&rig.venue)])
        .arg(format!("http://127.0.0.1:{}/api/v1/kiosk/stream?location_id={}", rig.port, rig.venue.location))
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    let stream = Lines::default();
    stream.follow(kiosk.stdout.take().expect("stdout"));
    std::thread::sleep(Duration::from_millis(500));

    // A person taps: the card is read with Get-Data, the tap signed and sent, the reader beeps.
    let card = VirtualCard::insert(0, &rig.cards[0]);
    assert!(card.wait_for_read(Duration::from_secs(15)), "the agent did not read the card:\n{}", lab.log());
    let started = Instant::now();
    while !card.apdus().iter().any(|a| a.starts_with(&[0xFF, 0x00, 0x40])) {
        assert!(started.elapsed() < Duration::from_secs(10), "no LED/buzzer signal: {:?}", card.apdus());
        std::thread::sleep(Duration::from_millis(100));
    }
    let apdus = card.remove();
    assert_eq!(apdus[0], [0xFF, 0xCA, 0x00, 0x00, 0x00]);
    assert_eq!(apdus.last().map(|a| a[3]), Some(0xA8), "the success signal (green): {apdus:?}");
    agent.out.wait_for("checked_in", 1, Duration::from_secs(10));
    stream.wait_for("Anna", 1, Duration::from_secs(10));
    assert_eq!(rig.checked_in(), [0]);
    // TRANS-1: the console shows the card masked, never the whole id.
    let shown = agent.out.all().join("\n");
    assert!(shown.contains("card …1000"), "{shown}");
    assert!(!shown.contains(&hex(&rig.cards[0])), "{shown}");
    assert!(!text(&std::fs::read(rig.dir.path().join("server.log")).expect("log")).contains(&hex(&rig.cards[0])));

    // pcscd goes away and comes back: the agent reconnects by itself.
    lab.restart_pcscd();
    agent.out.wait_for(&format!("reader added: {}", reader_name(0)), 2, Duration::from_secs(30));
    tap(0, &rig.cards[1]);
    agent.out.wait_for("checked_in", 2, Duration::from_secs(15));
    assert_eq!(rig.checked_in(), [0, 1]);
    // AVAIL-3: the kiosk shows first names; the agent's console and the server log do not.
    let shown = agent.out.all().join("\n");
    assert!(!shown.contains("Anna") && !shown.contains("Person01"), "{shown}");
    assert!(!text(&std::fs::read(rig.dir.path().join("server.log")).expect("log")).contains("Anna"));
    let _ = kiosk.kill();
    let _ = kiosk.wait();
}

/// The agent's console is a log: a tap names the card (masked) and the outcome, never the
/// person, though the server's answer carries their first name for a display (TOM AVAIL-3).
#[actix_web::test]
async fn avail_3_the_agent_logs_no_names() {
    let rig = rig(1).await;
    let out = agent_command(&rig.config, &["tap", "--card", &hex(&rig.cards[0])]);
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("card …1000: checked_in"), "{shown}");
    assert!(!shown.contains("Anna"), "{shown}");
    assert_eq!(rig.checked_in(), [0]);
}

#[actix_web::test]
async fn dev_1_debounce_random_ids_and_revocation_on_a_real_reader() {
    let rig = rig(2).await;
    let _lab = PcscLab::start();
    // The admin sets a one-minute duplicate window; the agent takes it from its heartbeat.
    let service = test::init_service(build_app(rig.app.state.clone())).await;
    let settings = json!({ "name": "Eingang Nord", "location_id": rig.venue.location, "mode": "check_in", "duplicate_window_seconds": 60, "late_upload_after_seconds": 300 });
    let (status, _, body) =
        call(&service, rig.venue.staff.request("PUT", &format!("/api/v1/devices/{}", rig.device.id)).set_json(settings)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let agent = Agent::start(&rig.config, &[]);
    agent.out.wait_for("duplicate window 60 s", 1, Duration::from_secs(10));
    let before = rig.taps_received();

    tap(0, &rig.cards[0]);
    agent.out.wait_for("checked_in", 1, Duration::from_secs(10));
    tap(0, &rig.cards[0]);
    agent.out.wait_for("ignored: same card within 60 s", 1, Duration::from_secs(10));
    // The same card on the other reader is another tap (here: already recorded).
    tap(1, &rig.cards[0]);
    agent.out.wait_for("already_recorded", 1, Duration::from_secs(10));
    assert_eq!(rig.taps_received(), before + 2, "the debounced tap never left the agent");

    // A card with a random id is refused at the reader and never sent.
    tap(0, &[0x08, 0x3C, 0x91, 0x2E]);
    agent.out.wait_for("random id", 1, Duration::from_secs(10));
    assert_eq!(rig.taps_received(), before + 2);

    // Revoked: the agent says so and stops uploading; nothing more is recorded.
    let (status, _, _) = call(&service, rig.venue.staff.request("POST", &format!("/api/v1/devices/{}/revoke", rig.device.id))).await;
    assert_eq!(status.as_u16(), 200);
    agent.out.wait_for("device revoked by the server", 1, Duration::from_secs(10));
    tap(0, &rig.cards[1]);
    agent.out.wait_for("not recorded: this device was revoked", 1, Duration::from_secs(10));
    assert_eq!(rig.taps_received(), before + 2);
    assert_eq!(rig.checked_in(), [0]);
    drop(agent);
    let out = agent_command(&rig.config, &["run"]);
    assert_eq!(out.status.code(), Some(3), "a revoked agent does not start: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("revoked"), "{}", text(&out.stderr));
}

/// Secure cards on a real reader (issue 22, TOM TRANS-2): the agent reads the NTAG 424
/// DNA's NDEF file over PC/SC and sends its Secure Unique NFC message with the tap. The
/// card provisioned for a person binds and checks in; a recorded copy of its message, a
/// UID-only clone, a card restored to an older counter, a card with other keys and a
/// plain card in a tenant that requires secure cards are refused.
#[actix_web::test]
async fn trans_2_a_secure_card_checks_in_and_its_copies_are_refused_on_a_real_reader() {
    let rig = rig(1).await;
    let _lab = PcscLab::start();
    let service = test::init_service(build_app(rig.app.state.clone())).await;
    let staff = &rig.venue.staff;
    let settings = json!({ "name": "Eingang Nord", "location_id": rig.venue.location, "mode": "check_in", "duplicate_window_seconds": 0, "late_upload_after_seconds": 300 });
    let (status, _, _) = call(&service, staff.request("PUT", &format!("/api/v1/devices/{}", rig.device.id)).set_json(settings)).await;
    assert_eq!(status.as_u16(), 200);
    let (status, _, _) = call(&service, staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": true }))).await;
    assert_eq!(status.as_u16(), 200);

    // Provisioning: the admin starts "enrol card" for the person; the device gets the keys
    // of that one card over its signed request (as `anwesend-agent card provision` does).
    let uid = [0x04, 0x5E, 0xC0, 0x4D, 0x42, 0x4D, 0x02];
    let participant = participant_of(&rig.app, &rig.venue, 0);
    let enrolment = staff.request("POST", &format!("/api/v1/devices/{}/card-enrolment", rig.device.id));
    let (status, _, _) = call(&service, enrolment.set_json(json!({ "participant_id": participant }))).await;
    assert_eq!(status.as_u16(), 200);
    let (status, _, keys) =
        call(&service, signed(&rig.app, &rig.device, "/api/v1/device/card-keys", &json!({ "card_id": hex(&uid) }))).await;
    assert_eq!(status.as_u16(), 200, "{}", text(&keys));
    let key = |name: &str| -> [u8; 16] { hex::decode(json_of(&keys)[name].as_str().expect("key")).expect("hex").try_into().expect("16") };
    let card = SecureChip::new(key("meta_read_key"), key("file_read_key"));

    let agent = Agent::start(&rig.config, &[]);
    agent.out.wait_for("duplicate window 0 s", 1, Duration::from_secs(15));
    let apdus = tap_chip(0, &uid, &Chip::Secure(card.clone()));
    assert!(apdus.iter().any(|a| a.starts_with(&[0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76])), "NDEF selected: {apdus:?}");
    assert!(apdus.iter().any(|a| a.starts_with(&[0x00, 0xB0])), "NDEF file read: {apdus:?}");
    agent.out.wait_for("card_bound", 1, Duration::from_secs(15));
    tap_chip(0, &uid, &Chip::Secure(card.clone()));
    agent.out.wait_for("checked_in", 1, Duration::from_secs(15));
    assert_eq!(rig.checked_in(), [0]);

    // A copy of the NDEF file as that check-in read it (second read: counter 2).
    let recorded = sun_url(&key("meta_read_key"), &key("file_read_key"), &uid, 2);
    tap_chip(0, &uid, &Chip::Copy(recorded));
    agent.out.wait_for("409 secure_card_replayed", 1, Duration::from_secs(15));
    // A blank card with the same UID; the person's old plain card.
    tap(0, &uid);
    agent.out.wait_for("409 secure_card_required", 1, Duration::from_secs(15));
    tap(0, &rig.cards[0]);
    agent.out.wait_for("409 secure_card_required", 2, Duration::from_secs(15));
    // The card restored to an older state: genuine messages, used counters.
    card.set_counter(0);
    tap_chip(0, &uid, &Chip::Secure(card.clone()));
    agent.out.wait_for("409 secure_card_replayed", 2, Duration::from_secs(15));
    // A card made with other keys.
    tap_chip(0, &uid, &Chip::Secure(SecureChip::new([9; 16], [9; 16])));
    agent.out.wait_for("409 secure_card_invalid", 1, Duration::from_secs(15));
    assert_eq!(rig.checked_in(), [0], "nothing but the genuine check-in");

    // The device list says this agent reads secure cards (from its heartbeat).
    let (_, _, list) = call(&service, staff.request("GET", "/api/v1/devices")).await;
    assert_eq!(json_of(&list)[0]["secure_cards"].as_bool(), Some(true), "{}", text(&list));
    let shown = agent.out.all().join("\n");
    assert!(!shown.contains(&hex(&uid)) && !shown.contains("picc_data"), "the console shows cards masked: {shown}");
}

/// `anwesend-agent card provision` on a real reader (issue 22, TOM TRANS-2): a blank
/// NTAG 424 DNA (virtual, `fixtures/ntag424.rs`) is set up by the agent binary with the
/// keys the server hands out for that one card (AuthenticateEV2First with the factory key,
/// ChangeFileSettings and ChangeKey under secure messaging, the NDEF template), and its
/// first message binds it; then it checks in at a tap, and its copies are refused. Without
/// "Karte zuordnen" the device gets no keys and the card stays blank; a card set up once
/// is not set up again.
#[actix_web::test]
async fn trans_2_the_agent_provisions_a_blank_card_that_then_checks_in_on_a_real_reader() {
    let rig = rig(1).await;
    let _lab = PcscLab::start();
    let service = test::init_service(build_app(rig.app.state.clone())).await;
    let staff = &rig.venue.staff;
    let settings = json!({ "name": "Eingang Nord", "location_id": rig.venue.location, "mode": "check_in", "duplicate_window_seconds": 0, "late_upload_after_seconds": 300 });
    let (status, _, _) = call(&service, staff.request("PUT", &format!("/api/v1/devices/{}", rig.device.id)).set_json(settings)).await;
    assert_eq!(status.as_u16(), 200);
    let (status, _, _) = call(&service, staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": true }))).await;
    assert_eq!(status.as_u16(), 200);
    let uid = [0x04, 0x7A, 0x31, 0x0C, 0x5B, 0x66, 0x80];
    let card = Ntag424::blank();
    let provision = |card: &Ntag424| {
        let inserted = VirtualCard::insert_chip(0, &uid, Chip::Ntag424(card.clone()));
        let out = agent_command(&rig.config, &["card", "provision", "--wait-seconds", "20"]);
        inserted.remove();
        wait_until_empty(0);
        (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
    };

    // No "Karte zuordnen" for this device: no keys, the card is not touched.
    let (ok, shown) = provision(&card);
    assert!(!ok && shown.contains("Karte zuordnen"), "{shown}");
    assert_eq!((card.key(1), card.key(2), card.settings().sdm), ([0; 16], [0; 16], None));

    // The admin starts "Karte zuordnen" for the person; the agent sets the card up and binds it.
    let participant = participant_of(&rig.app, &rig.venue, 0);
    let enrolment = staff.request("POST", &format!("/api/v1/devices/{}/card-enrolment", rig.device.id));
    let (status, _, _) = call(&service, enrolment.set_json(json!({ "participant_id": participant }))).await;
    assert_eq!(status.as_u16(), 200);
    let (ok, shown) = provision(&card);
    assert!(ok, "{shown}");
    assert!(shown.contains("card …6680: set up as a secure card") && shown.contains("card …6680: card_bound"), "{shown}");
    assert!(!shown.contains(&hex(&uid)) && !shown.contains("picc_data"), "the console shows cards masked: {shown}");
    // Keys 1 and 2 are the card's own (not the factory's, not each other), version 1; key 0
    // stays the factory key; SDM mirrors into the template; the file is no longer writable
    // by anyone.
    assert!(card.key(1) != [0; 16] && card.key(2) != [0; 16] && card.key(1) != card.key(2));
    assert_eq!((card.key(0), card.key_version(1), card.key_version(2)), ([0; 16], 1, 1));
    let sdm = card.settings();
    assert_eq!(sdm.access, [0x00, 0xE0]);
    let sdm = sdm.sdm.expect("SDM on");
    assert_eq!((sdm.meta_read_key, sdm.file_read_key, sdm.mac_input_offset), (2, 1, sdm.mac_offset));
    assert_eq!(card.counter(), 1, "one read: the binding message");
    let bound = card.last_url().expect("the binding message");
    assert!(bound.starts_with(&format!("http://127.0.0.1:{}/k?picc_data=", rig.port)), "{bound}");

    // A tap with the running agent checks the person in.
    let agent = Agent::start(&rig.config, &[]);
    agent.out.wait_for("duplicate window 0 s", 1, Duration::from_secs(15));
    tap_chip(0, &uid, &Chip::Ntag424(card.clone()));
    agent.out.wait_for("checked_in", 1, Duration::from_secs(15));
    assert_eq!(rig.checked_in(), [0]);
    assert_eq!(card.counter(), 2);

    // Its copies: the recorded message of that check-in, the UID on a blank card, the
    // card restored to an older counter, the binding message replayed.
    tap_chip(0, &uid, &Chip::Copy(card.last_url().expect("read")));
    agent.out.wait_for("409 secure_card_replayed", 1, Duration::from_secs(15));
    tap(0, &uid);
    agent.out.wait_for("409 secure_card_required", 1, Duration::from_secs(15));
    card.set_counter(1);
    tap_chip(0, &uid, &Chip::Ntag424(card.clone()));
    agent.out.wait_for("409 secure_card_replayed", 2, Duration::from_secs(15));
    tap_chip(0, &uid, &Chip::Copy(bound));
    agent.out.wait_for("409 secure_card_replayed", 3, Duration::from_secs(15));
    // A blank card with this UID set up by someone else (other keys) is refused as well.
    tap_chip(0, &uid, &Chip::Secure(SecureChip::new([7; 16], [8; 16])));
    agent.out.wait_for("409 secure_card_invalid", 1, Duration::from_secs(15));
    assert_eq!(rig.checked_in(), [0], "nothing but the genuine check-in");
    drop(agent);

    // Set up once, not again: the NDEF file is locked to key 0 and keys 1 and 2 are not
    // the factory's; the card keeps its keys.
    let keys = (card.key(1), card.key(2));
    let enrolment = staff.request("POST", &format!("/api/v1/devices/{}/card-enrolment", rig.device.id));
    let (status, _, _) = call(&service, enrolment.set_json(json!({ "participant_id": participant }))).await;
    assert_eq!(status.as_u16(), 200);
    let (ok, shown) = provision(&card);
    assert!(!ok && shown.contains("set up already"), "{shown}");
    assert_eq!((card.key(1), card.key(2)), keys);
}

#[actix_web::test]
async fn avail_4_twenty_offline_taps_arrive_once_and_in_order_across_an_agent_restart() {
    let mut rig = rig(20).await;
    let _lab = PcscLab::start();
    rig.stop_server();
    let before = rig.taps_received();

    let agent = Agent::start(&rig.config, &[]);
    for uid in &rig.cards[..10] {
        tap(0, uid);
    }
    agent.out.wait_for("stored (10 waiting)", 1, Duration::from_secs(10));
    assert!(agent.out.count("server unreachable") >= 1, "{}", agent.out.all().join("\n"));
    drop(agent); // killed, as by a power cut
    let agent = Agent::start(&rig.config, &[]);
    assert!(agent.out.count("10 tap(s) waiting") == 1, "{}", agent.out.all().join("\n"));
    for uid in &rig.cards[10..] {
        tap(0, uid);
    }
    agent.out.wait_for("stored (20 waiting)", 1, Duration::from_secs(10));
    let status = agent_command(&rig.config, &["status"]);
    let shown = text(&status.stdout);
    assert!(
        !status.status.success() && shown.contains("queue: 20 tap(s) waiting") && shown.contains(&reader_name(0)),
        "{shown}{}",
        text(&status.stderr)
    );
    assert_eq!(rig.checked_in(), Vec::<usize>::new());

    rig.start_server();
    agent.out.wait_for("checked_in", 20, Duration::from_secs(60));
    assert_eq!(rig.checked_in(), (0..20).collect::<Vec<_>>(), "each person once, in the order they tapped");
    assert_eq!(rig.taps_received(), before + 20);
    assert!(agent.out.count("late upload") == 0, "within the device's late-upload window");
    let status = agent_command(&rig.config, &["status"]);
    let shown = text(&status.stdout);
    assert!(
        status.status.success() && shown.contains("queue: 0 tap(s) waiting") && shown.contains("server: reachable"),
        "{shown}{}",
        text(&status.stderr)
    );
    assert!(!shown.contains("last upload: never"), "{shown}");
}

#[core::prelude::v1::test]
fn trans_1_the_agent_sends_card_ids_only_to_a_trusted_https_server() {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let (_server, port) = crate::fixtures::server::tls_server(&test_db, dir.path());
    let config = dir.path().join("device.json");
    // A self-signed certificate is refused before anything is sent.
    let out = agent_command(&config, &["enroll", "--server", &format!("https://localhost:{port}"), "--code", "ABCD-EFGH"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).to_lowercase().contains("certificate"), "{}", text(&out.stderr));
    assert!(!config.exists());
    // Plain http only on this machine and only when asked for.
    for server in ["http://anwesend.example.org", "http://localhost:8080"] {
        let out = agent_command(&config, &["enroll", "--server", server, "--code", "ABCD-EFGH"]);
        assert!(!out.status.success() && text(&out.stderr).contains("https://"), "{}", text(&out.stderr));
    }
    let out = agent_command(&config, &["enroll", "--server", "http://anwesend.example.org", "--code", "ABCD-EFGH", "--insecure-dev"]);
    assert!(!out.status.success() && text(&out.stderr).contains("https://"), "{}", text(&out.stderr));
    // An identity edited to plain http is refused too.
    std::fs::write(
        &config,
        r#"{"server":"http://anwesend.example.org","device_id":"d","secret":"00","device_name":"n","tenant_name":"t"}"#,
    )
    .expect("write");
    let out = agent_command(&config, &["tap", "--card", "04A1B2C3D4E5F6"]);
    assert!(!out.status.success() && text(&out.stderr).contains("https://"), "{}", text(&out.stderr));
}
