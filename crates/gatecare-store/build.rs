fn main() {
    // sqlx::migrate!() embeds the files at build time.
    println!("cargo:rerun-if-changed=migrations");
}
