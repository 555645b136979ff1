//! The two migration folders stay in lockstep, and every migration runs up → down → up on SQLite (always) and on
//! PostgreSQL (when `PCM_TEST_POSTGRES_URL` is set).

use std::collections::BTreeSet;
use std::path::Path;

use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;
use partner_center_mirror::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::helpers::{require_postgres, TestDatabase};

/// The migration directories of one dialect, each checked to hold `up.sql` and `down.sql`.
fn migration_names(dialect: &str) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let path = entry.expect("a directory entry").path();
        if !path.is_dir() {
            continue;
        }
        for file in ["up.sql", "down.sql"] {
            assert!(path.join(file).is_file(), "{} has no {file}", path.display());
        }
        names.insert(path.file_name().expect("a name").to_string_lossy().into_owned());
    }
    names
}

#[test]
fn the_sqlite_and_postgres_migration_folders_list_the_same_names_with_up_and_down() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must list the same directories"
    );
}

fn up_down_up<C: MigrationHarness<B>, B: diesel::backend::Backend>(
    conn: &mut C,
    migrations: impl Fn() -> diesel_migrations::EmbeddedMigrations,
    expected: usize,
) {
    let applied = conn.run_pending_migrations(migrations()).expect("up").len();
    assert_eq!(applied, expected, "every migration goes up");
    let reverted = conn.revert_all_migrations(migrations()).expect("down").len();
    assert_eq!(reverted, expected, "every migration goes down");
    let applied = conn.run_pending_migrations(migrations()).expect("up again").len();
    assert_eq!(applied, expected, "every migration goes up again");
    assert!(conn.pending_migrations(migrations()).expect("pending").is_empty());
}

#[test]
fn sqlite_migrations_run_up_down_up() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("migrations.sqlite3");
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("a SQLite file");
    up_down_up(&mut conn, || SQLITE_MIGRATIONS, migration_names("sqlite").len());
}

#[test]
fn postgres_migrations_run_up_down_up() {
    let Some(admin) = require_postgres("migrations::postgres_migrations_run_up_down_up") else {
        return;
    };
    let database = TestDatabase::create(&admin);
    let mut conn = PgConnection::establish(&database.url).expect("a connection to the test database");
    up_down_up(&mut conn, || POSTGRES_MIGRATIONS, migration_names("postgres").len());
    drop(conn);
}
