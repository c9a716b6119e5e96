//! Both backends hold the same schema: tables, columns, types, nullability and keys.
//! Needs PostgreSQL in either test run (ANWESEND_TEST_PG_URL).

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::common::{Backend, TestDb};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
    #[diesel(sql_type = Text)]
    d: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "type")]
    type_: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteFk {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    seq: i32,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    to: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// (table, column, type, nullable)
    columns: BTreeSet<(String, String, String, bool)>,
    /// (table, key columns)
    primary_keys: BTreeSet<(String, String)>,
    /// (table, columns, referenced table, referenced columns)
    foreign_keys: BTreeSet<(String, String, String, String)>,
    /// (table, columns)
    unique: BTreeSet<(String, String)>,
}

fn normalise_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "text" => "text",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "boolean" => "bool",
        "blob" | "bytea" => "binary",
        "integer" => "integer",
        "bigint" => "bigint",
        other => return format!("unmapped:{other}"),
    }
    .into()
}

fn sqlite_schema(conn: &mut diesel::SqliteConnection) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("tables");
    for Name { name: table } in tables {
        let columns: Vec<SqliteColumn> =
            diesel::sql_query(format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')")).load(conn).expect("columns");
        let mut pk: Vec<(i32, String)> = Vec::new();
        for c in columns {
            // A primary key column is NOT NULL in both backends.
            schema.columns.insert((table.clone(), c.name.clone(), normalise_type(&c.type_), c.notnull == 0 && c.pk == 0));
            if c.pk > 0 {
                pk.push((c.pk, c.name));
            }
        }
        pk.sort();
        schema.primary_keys.insert((table.clone(), pk.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(",")));

        let fks: Vec<SqliteFk> =
            diesel::sql_query(format!("SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}')"))
                .load(conn)
                .expect("fks");
        let mut by_id: std::collections::BTreeMap<i32, Vec<SqliteFk>> = Default::default();
        for fk in fks {
            by_id.entry(fk.id).or_default().push(fk);
        }
        for (_, mut parts) in by_id {
            parts.sort_by_key(|p| p.seq);
            let from = parts.iter().map(|p| p.from.clone()).collect::<Vec<_>>().join(",");
            let to = parts.iter().map(|p| p.to.clone().unwrap_or_else(|| "id".into())).collect::<Vec<_>>().join(",");
            schema.foreign_keys.insert((table.clone(), from, parts[0].table.clone(), to));
        }

        let uniques: Vec<Name> = diesel::sql_query(format!(
            "SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) AS name
             FROM pragma_index_list('{table}') il WHERE il.origin = 'u'"
        ))
        .load(conn)
        .expect("unique");
        for u in uniques {
            schema.unique.insert((table.clone(), u.name));
        }
    }
    schema
}

fn postgres_schema(conn: &mut diesel::PgConnection) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<Row> = diesel::sql_query(
        "SELECT table_name::text AS a, column_name::text AS b, data_type::text AS c, is_nullable::text AS d
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("columns");
    for r in columns {
        schema.columns.insert((r.a, r.b, normalise_type(&r.c), r.d == "YES"));
    }
    let keys: Vec<Row> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS a,
                c.contype::text AS b,
                (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS c,
                COALESCE(c.confrelid::regclass::text || ':' ||
                  (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), '') AS d
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND c.contype IN ('p', 'f', 'u')
           AND c.conrelid::regclass::text != '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("constraints");
    for r in keys {
        match r.b.as_str() {
            "p" => {
                schema.primary_keys.insert((r.a, r.c));
            }
            "u" => {
                schema.unique.insert((r.a, r.c));
            }
            _ => {
                let (table, cols) = r.d.split_once(':').expect("referenced table");
                schema.foreign_keys.insert((r.a, r.c, table.to_owned(), cols.to_owned()));
            }
        }
    }
    schema
}

#[test]
fn sep_2_schema_parity_between_sqlite_and_postgres() {
    let sqlite = TestDb::for_backend(Backend::Sqlite);
    let postgres = TestDb::for_backend(Backend::Postgres);
    let anwesend::db::DbConnection::Sqlite(mut s) = sqlite.inspect() else { panic!("sqlite") };
    let anwesend::db::DbConnection::Postgres(mut p) = postgres.inspect() else { panic!("postgres") };
    let (s, p) = (sqlite_schema(&mut s), postgres_schema(&mut p));
    assert!(!s.columns.is_empty() && s.columns.iter().all(|c| !c.2.starts_with("unmapped")), "{:?}", s.columns);
    assert_eq!(s.columns, p.columns, "columns differ");
    assert_eq!(s.primary_keys, p.primary_keys, "primary keys differ");
    assert_eq!(s.foreign_keys, p.foreign_keys, "foreign keys differ");
    assert_eq!(s.unique, p.unique, "unique constraints differ");

    // SEP-2's shape: every table with a tenant_id has it first in a composite primary key.
    for (table, pk) in &s.primary_keys {
        let has_tenant = s.columns.iter().any(|(t, c, _, _)| t == table && c == "tenant_id");
        if has_tenant {
            assert!(pk.starts_with("tenant_id,"), "{table}: primary key ({pk}) must start with tenant_id");
        }
    }
    for (table, from, target, _) in &s.foreign_keys {
        let target_is_tenant_owned = s.columns.iter().any(|(t, c, _, _)| t == target && c == "tenant_id");
        if target_is_tenant_owned && target != "tenants" {
            assert!(from.starts_with("tenant_id,"), "{table}: foreign key ({from}) into {target} must be composite");
        }
    }
}

/// TOM SEP-1: every personal record belongs to exactly one tenant. Every table carries a
/// `tenant_id` that is NOT NULL and a foreign key from it (to `tenants` or, composite,
/// to a row of the same tenant), except the platform-level tables named here; a new table
/// without a tenant fails until it is named (and its reason written) below.
#[test]
fn sep_1_every_table_is_owned_by_one_tenant_or_named_platform_level() {
    /// (table, why it has no tenant_id)
    const PLATFORM_LEVEL: &[(&str, &str)] = &[
        ("accounts", "staff accounts are platform-level; they reach tenants only through memberships"),
        ("audit_entries", "one chain per tenant: `chain` is the tenant's id (or `platform`), under row-level security by chain"),
        ("audit_heads", "the head of each chain, as audit_entries"),
        ("audit_prune_guard", "the pruning bound of each chain, as audit_entries"),
        ("audit_verifications", "the platform's nightly verification: counts only"),
        ("backup_runs", "backups are of the whole database; no personal data"),
        ("incident_updates", "the platform's breach register, below incidents"),
        ("incidents", "the platform's breach register; scope_ids names the tenants concerned"),
        ("ip_hash_keys", "the platform's keys for hashing addresses; no personal data"),
        ("mail_outbox", "the platform's mail queue; sender_tenant_id names the tenant, the recipient is only a keyed index and ciphertext"),
        ("passkeys", "an account's sign-in material, as accounts"),
        ("password_resets", "an account's sign-in material, as accounts"),
        ("platform_signing_keys", "the platform's keys for signing exports; no personal data"),
        ("recovery_codes", "an account's sign-in material, as accounts"),
        ("scheduled_jobs", "the platform's job runs; no personal data"),
        ("sessions", "an account's sign-in material, as accounts"),
        ("subprocessor_changes", "the platform's register of subprocessors; no personal data"),
        ("subprocessor_versions", "the platform's register of subprocessors; no personal data"),
        ("tenants", "the tenants themselves"),
        ("webauthn_ceremonies", "an account's sign-in material, as accounts"),
    ];
    let test_db = TestDb::for_backend(Backend::Sqlite);
    let anwesend::db::DbConnection::Sqlite(mut conn) = test_db.inspect() else { panic!("sqlite") };
    let schema = sqlite_schema(&mut conn);
    let tables: BTreeSet<&str> = schema.columns.iter().map(|(t, ..)| t.as_str()).collect();
    let mut without_tenant = Vec::new();
    for table in tables {
        let Some((.., nullable)) = schema.columns.iter().find(|(t, c, ..)| t == table && c == "tenant_id") else {
            without_tenant.push(table);
            continue;
        };
        assert!(!nullable, "{table}.tenant_id may be NULL: a row of no tenant");
        // A composite key counts only if none of its columns may be NULL: a key with a NULL
        // column is not checked at all (attendance, device_taps and device_nonces reach
        // `tenants` through their session's or device's key, migration `shared_parent_keys`).
        let not_null = |column: &str| schema.columns.iter().any(|(t, c, _, nullable)| t == table && c == column && !nullable);
        assert!(
            schema
                .foreign_keys
                .iter()
                .any(|(t, from, ..)| t == table && from.split(',').next() == Some("tenant_id") && from.split(',').all(not_null)),
            "{table}: no foreign key from tenant_id whose columns are all NOT NULL, so a row could name a tenant that does not exist"
        );
    }
    assert_eq!(without_tenant, PLATFORM_LEVEL.iter().map(|(t, _)| *t).collect::<Vec<_>>(), "tables without tenant_id");
}
