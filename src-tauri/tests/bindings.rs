//! `ui/src/bindings.ts` is generated from the Rust command signatures. This test fails
//! when the committed file no longer matches them; `UPDATE_BINDINGS=1` rewrites it.

use std::path::Path;

use specta_typescript::Typescript;

const UPDATE_ENV: &str = "UPDATE_BINDINGS";

#[test]
fn committed_bindings_match_the_commands() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let scratch = tempfile::tempdir().expect("temp dir");
    let fresh_path = scratch.path().join("bindings.ts");
    tenantry_desktop::specta_builder()
        .export(Typescript::default(), &fresh_path)
        .expect("export the TypeScript bindings");
    let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");

    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::write(&committed_path, &fresh).expect("write ui/src/bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is stale. Regenerate it with\n  {UPDATE_ENV}=1 cargo test -p tenantry-desktop --test bindings\nand commit the result."
    );
}
