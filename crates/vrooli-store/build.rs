//! Migrations are embedded at compile time, so a changed or added file must rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
