// sqlx::migrate!() embeds the migrations at build time.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
