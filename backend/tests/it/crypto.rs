//! Keys and field encryption (TOM PSEUDO-1, DEL-4) and rotating IP hashes (INPUT-2).

use std::net::IpAddr;

use anwesend::audit::IpHasher;
use anwesend::clock::Clock;
use anwesend::crypto::{CryptoError, MasterKey, MasterKeyOrigin, TenantKeys};
use anwesend::db::TenantScope;
use anwesend::tenants::model::{NewTenant, TenantKeyRow};
use anwesend::tenants::{service as tenants, store as tenant_store};
use anwesend::AppError;
use chrono::Duration;
use diesel::prelude::*;

use crate::common::test_app;

fn keys(tenant: &str) -> TenantKeys {
    let master = MasterKey::generate(MasterKeyOrigin::Operator);
    TenantKeys::new(tenant, "k1", master.derive("data"), master.derive("index"))
}

#[test]
fn pseudo_1_field_round_trip_and_context_binding() {
    let k = keys("tenant-a");
    let sealed = k.encrypt("participants", "email", "row-1", "anna@example.org");
    assert!(!sealed.windows(5).any(|w| w == b"anna@"), "ciphertext holds no plaintext");
    assert_eq!(k.decrypt("participants", "email", "row-1", &sealed).expect("round trip").as_str(), "anna@example.org");

    for (table, column, row) in [("participants", "email", "row-2"), ("participants", "name", "row-1"), ("staff", "email", "row-1")] {
        assert_eq!(k.decrypt(table, column, row, &sealed).expect_err("moved ciphertext"), CryptoError::Decrypt, "{table}.{column}.{row}");
    }
    // The same key material bound to another tenant id refuses it too.
    let same_material_other_tenant = {
        let master = MasterKey::generate(MasterKeyOrigin::Operator);
        let a = TenantKeys::new("tenant-a", "k1", master.derive("data"), master.derive("index"));
        let b = TenantKeys::new("tenant-b", "k1", master.derive("data"), master.derive("index"));
        let sealed = a.encrypt("participants", "email", "row-1", "anna@example.org");
        b.decrypt("participants", "email", "row-1", &sealed)
    };
    assert!(same_material_other_tenant.is_err());

    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(k.decrypt("participants", "email", "row-1", &tampered).is_err(), "tampering is detected");
    assert_ne!(sealed, k.encrypt("participants", "email", "row-1", "anna@example.org"), "random nonces");
}

#[test]
fn pseudo_1_blind_index_is_deterministic_and_keyed() {
    let k = keys("tenant-a");
    let a = k.blind_index("participants", "email", "anna@example.org");
    assert_eq!(a, k.blind_index("participants", "email", "anna@example.org"));
    assert_ne!(a, k.blind_index("participants", "email", "berta@example.org"));
    assert_ne!(a, keys("tenant-a").blind_index("participants", "email", "anna@example.org"), "other key, other index");
}

#[test]
fn del_4_wrapped_tenant_key_needs_its_master_key() {
    let app = test_app();
    let tenant = tenants::create(
        &app.state.db,
        &app.state.master,
        &app.ctx(),
        NewTenant { slug: "verein".into(), name: "Verein".into(), is_demo: false },
    )
    .expect("tenant");
    let scope = TenantScope::named_by_operator(tenant.id.clone());
    let rows: Vec<TenantKeyRow> = app.state.db.tenant_tx(&scope, |c| Ok(tenant_store::live_keys(c)?)).expect("key rows");
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    let wrapped = row.wrapped_key.as_deref().expect("wrapped");
    assert!(app.state.master.unwrap(&row.purpose, &tenant.id, &row.id, wrapped).is_ok());
    let other = MasterKey::generate(MasterKeyOrigin::Operator);
    assert_eq!(other.unwrap(&row.purpose, &tenant.id, &row.id, wrapped).expect_err("other master"), CryptoError::Decrypt);
    // A wrapped key copied to another tenant's row does not unwrap either.
    assert!(app.state.master.unwrap(&row.purpose, "another-tenant", &row.id, wrapped).is_err());
}

#[test]
fn master_key_file_keeps_origin_and_is_private() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("master.key");
    let key = MasterKey::generate(MasterKeyOrigin::GeneratedDev);
    key.write_file(&path).expect("write");
    let read = MasterKey::read_file(&path).expect("read");
    assert_eq!(read.id(), key.id());
    assert_eq!(read.origin(), MasterKeyOrigin::GeneratedDev);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    assert!(key.write_file(&path).is_err(), "an existing key file is never overwritten");
}

#[test]
fn input_2_ip_hash_rotates_daily_and_dies_with_its_key() {
    let app = test_app();
    let ip: IpAddr = "203.0.113.7".parse().expect("ip");
    let hasher = &app.state.ip_hasher;
    let day1 = app.clock.now();
    let h1 = hasher.hash(ip, day1).expect("hash day 1");
    assert_eq!(h1, hasher.hash(ip, day1 + Duration::hours(3)).expect("same day"), "stable within the day");
    assert_ne!(h1.hash, ip.to_string().into_bytes(), "never the address itself");
    assert_ne!(h1, hasher.hash("203.0.113.8".parse().expect("ip"), day1).expect("other ip"));

    let day2 = day1 + Duration::days(1);
    let h2 = hasher.hash(ip, day2).expect("hash day 2");
    assert_ne!(h1.key_id, h2.key_id);
    assert_ne!(h1.hash, h2.hash, "the same IP on two days is unlinkable by hash");

    // Past the retention (7 days by default) day 1's key is destroyed...
    let later = day1 + Duration::days(9);
    let destroyed = hasher.destroy_expired(later).expect("destroy");
    assert!(destroyed.contains(&h1.key_id), "{destroyed:?}");
    // ...and nobody, not even a fresh process, can recompute a day-1 hash.
    let fresh = IpHasher::new(app.state.db.clone(), app.state.master.clone(), &app.state.config.ip_hash);
    let err = fresh.hash(ip, day1).expect_err("destroyed key");
    assert!(matches!(err, AppError::Crypto(CryptoError::KeyDestroyed)), "{err:?}");
    let err = hasher.hash(ip, day1).expect_err("destroyed key, cached process");
    assert!(matches!(err, AppError::Crypto(CryptoError::KeyDestroyed)), "{err:?}");

    let mut owner = app.db.inspect();
    use anwesend::db::schema::ip_hash_keys::dsl as k;
    let material: Option<Vec<u8>> =
        k::ip_hash_keys.find(&h1.key_id).select(k::wrapped_key).first(&mut owner).expect("row stays as a record");
    assert!(material.is_none(), "key material is gone from the database");
}

#[test]
fn input_2_ipv4_mapped_addresses_hash_like_ipv4() {
    let app = test_app();
    let at = app.clock.now();
    let v4 = app.state.ip_hasher.hash("198.51.100.4".parse().expect("ip"), at).expect("v4");
    let mapped = app.state.ip_hasher.hash("::ffff:198.51.100.4".parse().expect("ip"), at).expect("mapped");
    assert_eq!(v4, mapped);
}
