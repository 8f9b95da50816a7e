//! The proc-macro reads each vendor's spec directory at expansion time and `include_str!`s the
//! files it found, so an edited spec rebuilds the crate; a spec file *added* to a directory is
//! seen only if the directory itself is watched.

fn main() {
    println!("cargo:rerun-if-changed=specs");
}
