//! Encrypted backups (TOM AVAIL-1, AVAIL-2, DEL-4): create, verify, restore, schedule and
//! prune, on the database the run uses; Debian's `age` opens a backup with the recovery key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anwesend::audit::AuditContext;
use anwesend::backups::{archive, service as backups};
use anwesend::clock::Clock;
use anwesend::config::Config;
use anwesend::privacy::{model::Reason, service as privacy};
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::json;

use crate::common::{sensitive, test_app_beside_server, test_app_with, Backend, TestApp, TestDb};
use crate::fixtures::{bind_card, call, enrol, json_of, platform_admin, sign_in, sign_in_with_factor, signed, tap_body, tenant, venue};

const ERASURE: Reason<'static> = Reason { code: "erasure_request", text: "Antrag per Post", legal_basis: "GDPR Art. 17(1)(a)" };

fn app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let app = test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_ip_per_minute = 10_000;
        adjust(c);
    });
    // As on a server: the master key in data_dir, so a restore there loads the same key.
    std::fs::create_dir_all(&app.state.config.data_dir).expect("data dir");
    app.state.master.write_file(&app.state.config.master_key_path()).expect("master key file");
    app
}

fn app() -> TestApp {
    app_with(|_| {})
}

fn ctx(app: &TestApp) -> AuditContext {
    AuditContext::operator(app.clock.now())
}

/// A tenant with an admin, a venue with one booked person, a device and a bound card.
async fn rig(app: &TestApp, name: &str, email: &str) -> (anwesend::db::TenantScope, String, crate::fixtures::Device) {
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(app, &service, "verein-a", (&sensitive(name), &sensitive(email))).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(app, &service, &v.staff, &device, &v.participant, "04C0FFEE000001").await;
    let (_, _, answer) = call(&service, signed(app, &device, protocol::PATH_TAPS, &tap_body(app, "tap-0", "04C0FFEE000001"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    (scope, v.participant, device)
}

/// The config of a server on `target` (an empty database) with the data_dir of `app`:
/// keyring, master key, erasure ledger and backups are where they were.
fn config_on(app: &TestApp, target: &TestDb) -> Config {
    let mut config = (*app.state.config).clone();
    config.database_url = target.app_url.clone();
    config.migration_database_url = Some(target.owner_url.clone());
    config.backups.database_url = target.backup_url();
    config
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

/// Every row of every table as text, sorted, seen past the application.
fn rows(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    let mut conn = db.inspect();
    let tables: Vec<Text> = match db.backend {
        Backend::Sqlite => diesel::sql_query("SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
        Backend::Postgres => diesel::sql_query("SELECT tablename::text AS t FROM pg_tables WHERE schemaname = 'public'"),
    }
    .load(&mut conn)
    .expect("tables");
    let mut all = BTreeMap::new();
    for Text { t: table } in tables {
        let select = match db.backend {
            Backend::Sqlite => {
                let columns: Vec<Text> =
                    diesel::sql_query(format!("SELECT name AS t FROM pragma_table_info('{table}')")).load(&mut conn).expect("columns");
                let row = columns.iter().map(|c| format!("quote(\"{}\")", c.t)).collect::<Vec<_>>().join(" || '|' || ");
                format!("SELECT {row} AS t FROM \"{table}\"")
            }
            Backend::Postgres => format!("SELECT x::text AS t FROM \"{table}\" x"),
        };
        let mut texts: Vec<String> = diesel::sql_query(select).load::<Text>(&mut conn).expect("rows").into_iter().map(|r| r.t).collect();
        texts.sort();
        all.insert(table, texts);
    }
    all
}

fn audit_actions(db: &TestDb, chain: &str) -> Vec<String> {
    use anwesend::db::schema::audit_entries::dsl as a;
    a::audit_entries.filter(a::chain.eq(chain)).order(a::id.asc()).select(a::action).load(&mut db.inspect()).expect("audit")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
    names.sort();
    names
}

#[actix_web::test]
async fn avail_1_create_verify_restore_round_trip_keeps_every_row() {
    let app = app();
    let (name, email) = ("Leopoldine Sicherungskopie", "leopoldine.s@example.org");
    rig(&app, name, email).await;
    anwesend::audit::sealer::seal(&app.state.db, None).expect("seal");
    let before = rows(&app.db);

    let (path, size) = backups::create(&app.state, &ctx(&app)).expect("backup");
    let dir = app.state.config.backup_dir();
    assert_eq!(path.parent(), Some(dir.as_path()));
    assert_eq!(
        names_in(&dir),
        vec![path.file_name().expect("name").to_string_lossy().into_owned()],
        "one file, no plaintext left beside it"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).expect("file").permissions().mode() & 0o777, 0o600);
        let key = anwesend::crypto::keyring_dir(&app.state.config).join(archive::VERIFY_KEY_FILE);
        assert_eq!(std::fs::metadata(&key).expect("verify key").permissions().mode() & 0o777, 0o600, "the verify key is private");
    }
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(bytes.len() as u64, size);
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"), "an age file");
    for plain in [&b"SQLite format 3"[..], b"PGDMP", b"audit_entries", b"anwesend-backup", email.as_bytes()] {
        assert!(!bytes.windows(plain.len()).any(|w| w == plain), "no plaintext in the file: {}", String::from_utf8_lossy(plain));
    }
    // Neither the keyring nor the master key is inside: the verify key's secret is not.
    let secret = std::fs::read_to_string(anwesend::crypto::keyring_dir(&app.state.config).join(archive::VERIFY_KEY_FILE)).expect("key");
    assert!(secret.contains("AGE-SECRET-KEY-1"));

    let verified = backups::verify(&app.state, &ctx(&app), &path, None).expect("verify");
    assert_eq!(verified.chains, 2, "the platform chain and the tenant's");
    assert_eq!(verified.tables, before.len());
    assert_eq!(verified.rows, before.values().map(|r| r.len() as i64).sum::<i64>());
    assert_eq!(names_in(&dir).len(), 1, "the scratch copy is gone");
    let platform = audit_actions(&app.db, "platform");
    assert!(platform.ends_with(&["backup.created".to_owned(), "backup.verified".to_owned()]), "{platform:?}");

    // Restore into an empty database: every table's rows as they were at the backup.
    let target = TestDb::empty(app.db.backend);
    let restored = backups::restore(config_on(&app, &target), &path, None).expect("restore");
    assert_eq!((restored.erased_again, restored.offboarded_again.len()), (0, 0));
    let mut after = rows(&target);
    // The restore's own record is the one difference.
    let entries = after.get_mut("audit_entries").expect("audit entries");
    let restored_entries = entries.len();
    entries.retain(|row| !row.contains("backup.restored"));
    assert_eq!(entries.len(), restored_entries - 1, "the restore is audited once");
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    for (table, rows) in &before {
        assert_eq!(&after[table], rows, "table {table}");
    }
    // A second restore into the same (now full) database is refused.
    let again = backups::restore(config_on(&app, &target), &path, None);
    assert!(matches!(again, Err(anwesend::AppError::Conflict(_))), "{again:?}");

    // The restored database serves: the admin signs in and finds the person.
    let master = anwesend::crypto::MasterKey::load(&app.state.config).expect("master");
    let restored_app = test_app_beside_server(target, master);
    let service = restored_app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, hits) = call(&service, staff.request("GET", "/api/v1/participants?q=Leopoldine")).await;
    assert_eq!((status.as_u16(), json_of(&hits).as_array().map(Vec::len)), (200, Some(1)));
}

#[actix_web::test]
async fn avail_2_a_tampered_backup_fails_verification() {
    let app = app();
    rig(&app, "Theobald Manipulierer", "theobald.m@example.org").await;
    let (path, _) = backups::create(&app.state, &ctx(&app)).expect("backup");
    backups::verify(&app.state, &ctx(&app), &path, None).expect("intact");
    let dir = app.state.config.backup_dir();

    // One changed byte: age's authentication refuses the file.
    let mut bytes = std::fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let flipped = dir.join("flipped.age");
    std::fs::write(&flipped, &bytes).expect("write");
    let result = backups::verify(&app.state, &ctx(&app), &flipped, None);
    assert!(result.is_err(), "a flipped byte must fail: {result:?}");

    // Anyone with the public keys can make a new file: a manifest that lies about the rows
    // (or rows that were changed) fails the comparison.
    let identity = archive::verify_identity(&app.state.config).expect("verify key");
    let (mut manifest, mut reader) = archive::open(&path, &identity).expect("open");
    *manifest.tables.get_mut("participants").expect("participants") += 1;
    let forged = dir.join(archive::file_name(app.clock.now().naive_utc() + chrono::Duration::hours(1)));
    let mut writer = archive::Writer::create(&forged, &[identity.to_public()], &manifest).expect("writer");
    std::io::copy(&mut reader, &mut writer).expect("copy");
    writer.finish().expect("finish");
    let result = backups::verify(&app.state, &ctx(&app), &forged, None);
    let message = format!("{:?}", result.expect_err("a lying manifest must fail"));
    assert!(message.contains("participants"), "{message}");

    // A key that is not a recipient opens nothing.
    let stranger = age::x25519::Identity::generate();
    assert!(backups::verify(&app.state, &ctx(&app), &path, Some(&stranger)).is_err());

    // Failures are recorded and audited; the last good verification stays the one shown.
    let status = backups::status(&app.state).expect("status");
    assert!(status.last_verification.as_ref().is_some_and(|v| v.ok && v.file_name.as_deref() == path.file_name().and_then(|n| n.to_str())));
    assert_eq!(status.recent.iter().filter(|r| !r.ok).count(), 3, "{:?}", status.recent);
    let failed = audit_actions(&app.db, "platform").iter().filter(|a| *a == "backup.verify_failed").count();
    assert_eq!(failed, 3);
}

#[actix_web::test]
async fn avail_1_debian_age_decrypts_a_backup_with_the_recovery_key() {
    let keys = tempfile::tempdir().expect("dir");
    let key_file = keys.path().join("recovery.key");
    let out = std::process::Command::new("age-keygen").arg("-o").arg(&key_file).output().expect("age-keygen (Debian's age)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = String::from_utf8_lossy(&out.stderr).split_whitespace().find(|w| w.starts_with("age1")).expect("public key").to_owned();
    let app = app_with(|c| c.backups.recovery_recipients = vec![public.clone()]);
    rig(&app, "Rosalinde Wiederherstellung", "rosalinde.w@example.org").await;
    let (path, _) = backups::create(&app.state, &ctx(&app)).expect("backup");

    let plain = keys.path().join("backup.plain");
    let out =
        std::process::Command::new("age").arg("--decrypt").arg("-i").arg(&key_file).arg("-o").arg(&plain).arg(&path).output().expect("age");
    assert!(out.status.success(), "age: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&plain).expect("plaintext");
    let mut lines = bytes.splitn(3, |b| *b == b'\n');
    assert_eq!(lines.next(), Some(&b"anwesend-backup 1"[..]));
    let manifest: serde_json::Value = serde_json::from_slice(lines.next().expect("manifest")).expect("manifest json");
    let database = lines.next().expect("database");
    match app.db.backend {
        Backend::Sqlite => {
            assert_eq!(manifest["database"], "sqlite");
            assert!(database.starts_with(b"SQLite format 3\0"), "the rest is the database file");
        }
        Backend::Postgres => {
            assert_eq!(manifest["database"], "postgres");
            assert!(database.starts_with(b"PGDMP"), "the rest is a pg_dump archive");
        }
    }
    assert!(manifest["tables"]["participants"].as_i64() == Some(1), "{manifest}");

    // The recovery key also verifies it with anwesend itself; the wrong key does not.
    let recovery = archive::read_identity(&key_file).expect("recovery key");
    backups::verify(&app.state, &ctx(&app), &path, Some(&recovery)).expect("verify with the recovery key");
    let other = keys.path().join("other.key");
    assert!(std::process::Command::new("age-keygen").arg("-o").arg(&other).output().expect("age-keygen").status.success());
    let out = std::process::Command::new("age").arg("--decrypt").arg("-i").arg(&other).arg(&path).output().expect("age");
    assert!(!out.status.success(), "another key does not open it");
}

#[actix_web::test]
async fn del_4_a_backup_from_before_an_erasure_restored_after_it_keeps_the_person_erased() {
    let app = app();
    let (name, email) = ("Gundolf Vergessenwerden", "gundolf.v@example.org");
    let (scope, participant, device) = rig(&app, name, email).await;
    let (path, _) = backups::create(&app.state, &ctx(&app)).expect("the nightly backup, before the erasure");

    privacy::erase(&app.state, &scope, &AuditContext { at: app.clock.now(), ..app.ctx() }, &participant, &ERASURE).expect("erase");

    let target = TestDb::empty(app.db.backend);
    let restored = backups::restore(config_on(&app, &target), &path, None).expect("restore");
    assert_eq!(restored.erased_again, 1, "the ledger erases the person again");
    let erased_at: Option<chrono::NaiveDateTime> = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants.filter(p::id.eq(&participant)).select(p::erased_at).first(&mut target.inspect()).expect("participant")
    };
    assert!(erased_at.is_some(), "erased in the restored database");
    let cards: i64 = {
        use anwesend::db::schema::cards::dsl as c;
        c::cards.count().get_result(&mut target.inspect()).expect("cards")
    };
    assert_eq!(cards, 0, "the card binding is gone again");
    let dump = String::from_utf8_lossy(&crate::fixtures::database_dump(&target)).to_lowercase();
    assert!(!dump.contains("gundolf") && !dump.contains("vergessenwerden"), "no plaintext in a dump");

    // Search and the reader: the person is not found, the card is unknown.
    let master = anwesend::crypto::MasterKey::load(&app.state.config).expect("master");
    let restored_app = test_app_beside_server(target, master);
    let service = restored_app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    for q in ["Gundolf", email] {
        let (status, _, hits) = call(&service, staff.request("GET", &format!("/api/v1/participants?q={q}"))).await;
        assert_eq!((status.as_u16(), json_of(&hits)), (200, json!([])), "search for {q}");
    }
    restored_app.clock.advance(app.clock.now() - restored_app.clock.now());
    let (_, _, answer) =
        call(&service, signed(&restored_app, &device, protocol::PATH_TAPS, &tap_body(&restored_app, "tap-after", "04C0FFEE000001"))).await;
    assert_eq!(json_of(&answer)["outcome"], "unknown_card");
}

#[actix_web::test]
async fn del_4_an_offboarded_tenants_rows_in_an_old_backup_stay_unreadable_after_a_restore() {
    let app = app();
    let (a, participant, _) = rig(&app, "Wunibald Altbestand", "wunibald.a@example.org").await;
    let b = tenant(&app, "verein-b");
    crate::fixtures::admin(&app, &b, "leitung@verein-b.example");
    let (path, _) = backups::create(&app.state, &ctx(&app)).expect("backup before the offboarding");

    let start = anwesend::offboarding::model::StartOffboarding { confirm_slug: "verein-a".into() };
    anwesend::offboarding::service::start(&app.state, &ctx(&app), &a, &start).expect("offboarding");
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        anwesend::offboarding::service::complete_due(&app.state, app.clock.now()).expect("deletion"),
        vec![a.tenant_id().to_owned()]
    );

    // The old backup still holds tenant A's wrapped keys and ciphertext; nothing opens them.
    let target = TestDb::empty(app.db.backend);
    let restored = backups::restore(config_on(&app, &target), &path, None).expect("restore");
    assert_eq!(restored.offboarded_again, vec!["verein-a".to_owned()]);
    let status: String = {
        use anwesend::db::schema::tenants::dsl as t;
        t::tenants.filter(t::id.eq(a.tenant_id())).select(t::status).first(&mut target.inspect()).expect("tenant")
    };
    assert_eq!(status, "offboarded", "the tenant does not start again");
    let people: i64 = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants.filter(p::tenant_id.eq(a.tenant_id())).count().get_result(&mut target.inspect()).expect("count")
    };
    assert_eq!(people, 0, "its rows are deleted again (id {participant})");
    let restored_db = target.db();
    let keys = anwesend::tenants::service::load_keys(&restored_db, &app.state.master, &a);
    assert!(keys.is_err(), "tenant A's keys stay destroyed: {:?}", keys.err());
    anwesend::tenants::service::load_keys(&restored_db, &app.state.master, &b).expect("tenant B opens as before");
    let actions = audit_actions(&target, a.tenant_id());
    assert!(actions.contains(&"backup.offboarding_reapplied".to_owned()), "{actions:?}");
    let memberships: i64 = {
        use anwesend::db::schema::memberships::dsl as m;
        m::memberships.filter(m::tenant_id.eq(a.tenant_id())).count().get_result(&mut target.inspect()).expect("count")
    };
    assert_eq!(memberships, 0, "nobody can act in it again");
}

#[actix_web::test]
async fn avail_1_pruning_removes_exactly_the_backups_past_the_period() {
    let app = app_with(|c| c.backups.keep_days = 30);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let mut taken: Vec<PathBuf> = Vec::new();
    for step in [0, 10, 15, 6] {
        app.clock.advance(chrono::Duration::days(step));
        taken.push(backups::create(&app.state, &ctx(&app)).expect("backup").0);
    }
    let dir = app.state.config.backup_dir();
    std::fs::write(dir.join("notizen.txt"), "not a backup").expect("other file");
    // 40 days after the first: the first (40 days old) goes, the second (exactly 30) stays.
    app.clock.advance(chrono::Duration::days(9));
    let removed = backups::prune(&app.state, &ctx(&app)).expect("prune");
    let name = |p: &PathBuf| p.file_name().expect("name").to_string_lossy().into_owned();
    assert_eq!(removed, vec![name(&taken[0])]);
    let mut left: Vec<String> = taken[1..].iter().map(name).collect();
    left.push("notizen.txt".into());
    left.sort();
    assert_eq!(names_in(&dir), left);
    assert!(backups::prune(&app.state, &ctx(&app)).expect("again").is_empty(), "nothing more is due");
    let pruned = audit_actions(&app.db, "platform").iter().filter(|a| *a == "backup.pruned").count();
    assert_eq!(pruned, 1, "the prune that removed a file is audited, the empty one is not");

    // Long after: everything past the period goes, but never the newest backup.
    app.clock.advance(chrono::Duration::days(360));
    assert_eq!(backups::prune(&app.state, &ctx(&app)).expect("prune").len(), 2);
    assert_eq!(names_in(&dir), vec![name(&taken[3]), "notizen.txt".to_owned()]);
}

#[actix_web::test]
async fn avail_1_the_schedule_backs_up_daily_verifies_weekly_and_runs_on_one_node() {
    use anwesend::jobs::service::{run_due, BACKUP, BACKUP_VERIFY};
    let app = app();
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let backup_work = |ran: Vec<&'static str>| ran.into_iter().filter(|j| [BACKUP, BACKUP_VERIFY].contains(j)).collect::<Vec<_>>();
    // One scheduling mechanism: the backup and its verification are jobs like the others.
    assert_eq!(backup_work(run_due(&app.state)), [BACKUP, BACKUP_VERIFY], "a new server backs up and verifies at once");
    assert!(backup_work(run_due(&app.state)).is_empty(), "nothing is due right after");
    app.clock.advance(chrono::Duration::hours(24));
    assert_eq!(backup_work(run_due(&app.state)), [BACKUP], "a day later: a backup, no verification");
    app.clock.advance(chrono::Duration::days(6));
    assert_eq!(backup_work(run_due(&app.state)), [BACKUP, BACKUP_VERIFY], "a week later: both");
    assert_eq!(names_in(&app.state.config.backup_dir()).len(), 3);

    // Another node runs the backup job right now (holds its lock): this one does not.
    app.clock.advance(chrono::Duration::days(2));
    let job = anwesend::jobs::service::schedule(&app.state).into_iter().find(|j| j.name == BACKUP).expect("backup job");
    let state = app.state.clone();
    let elsewhere = app.state.db.exclusively(job.lock_key(), move || Ok(backup_work(run_due(&state)))).expect("locked");
    assert_eq!(elsewhere, Some(vec![]), "locked out");
    assert_eq!(backup_work(run_due(&app.state)), [BACKUP], "lock free");
    assert_eq!(names_in(&app.state.config.backup_dir()).len(), 4);

    // The backup jobs' last success is in the metrics, as is the backup's own record.
    let metrics = anwesend::metrics::render(&app.state).expect("metrics");
    let taken = app.clock.now().timestamp();
    for expected in [
        format!("anwesend_job_last_success_timestamp_seconds{{job=\"backup\"}} {taken}"),
        format!("anwesend_backup_last_success_timestamp_seconds {taken}"),
        "anwesend_backup_age_seconds 0".to_owned(),
        "anwesend_backup_verification_ok 1".to_owned(),
    ] {
        assert!(metrics.contains(&expected), "missing {expected}:\n{metrics}");
    }

    // Platform admins see the last backup and verification.
    platform_admin(&app, "betrieb@anwesend.example");
    let service = app.service().await;
    let admin = sign_in_with_factor(&app, &service, "betrieb@anwesend.example").await;
    let (status, _, body) = call(&service, admin.request("GET", "/api/v1/platform/backups")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let body = json_of(&body);
    assert_eq!(body["last_backup"]["ok"], true);
    assert_eq!(body["last_verification"]["kind"], "verify");
    assert_eq!(body["keep_days"], 30);
    let tenant_admin = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, _) = call(&service, tenant_admin.request("GET", "/api/v1/platform/backups")).await;
    assert_eq!(status.as_u16(), 403, "tenant admins do not see the platform's backups");
}

#[actix_web::test]
async fn avail_1_a_backup_taken_while_check_ins_are_written_is_consistent() {
    let app = app();
    let (_, _, device) = rig(&app, "Konrad Gleichzeitig", "konrad.g@example.org").await;
    let service = app.service().await;
    let state = app.state.clone();
    let at = ctx(&app);
    let mut taps = 0;
    let mut backup: Option<std::thread::JoinHandle<Result<(PathBuf, u64), anwesend::AppError>>> = None;
    loop {
        let (status, _, _) =
            call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, &format!("loop-{taps}"), "04C0FFEE000001"))).await;
        assert_eq!(status.as_u16(), 200);
        taps += 1;
        if taps == 5 {
            let (state, at) = (state.clone(), at.clone());
            backup = Some(std::thread::spawn(move || backups::create(&state, &at)));
        }
        if backup.as_ref().is_some_and(std::thread::JoinHandle::is_finished) && taps >= 10 {
            break;
        }
    }
    let (path, _) = backup.expect("started").join().expect("thread").expect("backup");
    let verified = backups::verify(&app.state, &ctx(&app), &path, None).expect("the copy matches its manifest, chains intact");
    let tapped = verified.manifest.tables["device_taps"];
    // The rig's first tap, the five before the backup started, at most every later one.
    assert!((6..=taps + 1).contains(&tapped), "taps in the backup: {tapped} of {}", taps + 1);
}

#[test]
fn avail_1_backup_settings_are_checked() {
    let valid = Config { environment: Some(anwesend::config::Environment::Dev), ..Config::default() };
    valid.validate().expect("defaults are valid");
    let setting = |adjust: &dyn Fn(&mut Config)| {
        let mut config = valid.clone();
        adjust(&mut config);
        config.validate().expect_err("refused").setting
    };
    assert_eq!(setting(&|c| c.backups.recovery_recipients = vec!["ssh-ed25519 AAAA".into()]), "backups.recovery_recipients");
    assert_eq!(setting(&|c| c.backups.keep_days = 0), "backups.keep_days");
    assert_eq!(setting(&|c| c.backups.every_hours = 0), "backups.every_hours");
    assert_eq!(setting(&|c| c.backups.verify_every_days = 0), "backups.verify_every_days");
    assert_eq!(setting(&|c| c.backups.database_url = Some("sqlite://x.db".into())), "backups.database_url");
    let key = age::x25519::Identity::generate().to_public().to_string();
    let mut config = valid.clone();
    config.backups.recovery_recipients = vec![key];
    config.validate().expect("an age public key is accepted");
}
