fn main() {
    // Embedded migrations (db::SQLITE_MIGRATIONS, db::POSTGRES_MIGRATIONS) must be rebuilt when a migration is added.
    println!("cargo:rerun-if-changed=migrations");
}
