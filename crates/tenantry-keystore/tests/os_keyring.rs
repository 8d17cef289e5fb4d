//! The signing key in a real OS keyring. `make test` runs these under a private D-Bus
//! session with an unlocked GNOME Keyring (Secret Service), the store Linux desktops use.
//! keyring's in-memory mock is never used here.

use tenantry_keystore::{KeyStoreError, KeyringStore, StoreKind};

fn unique_profile(name: &str) -> String {
    format!(
        "test-{name}-{}-{}",
        std::process::id(),
        tenantry_changeset::ChangeSet::new_id()
    )
}

#[test]
fn this_build_writes_to_a_real_store_not_the_mock() {
    assert_ne!(KeyringStore::store_kind(), StoreKind::Mock);
}

#[test]
fn a_key_is_created_once_reloaded_rotated_and_deleted() {
    let store = KeyringStore::new(&unique_profile("lifecycle"));
    assert!(store.load().expect("keyring reachable").is_none());
    let key = store.load_or_create().expect("created on first use");
    // A second store object for the same profile finds the same key: it is in the keyring.
    let again = KeyringStore::new(store.profile())
        .load()
        .expect("load")
        .expect("present");
    assert_eq!(again.key_id(), key.key_id());
    assert!(matches!(
        store.create(),
        Err(KeyStoreError::AlreadyExists(..))
    ));

    let (new, endorsement) = store.rotate().expect("rotate");
    assert_ne!(new.key_id(), key.key_id());
    assert!(endorsement.verify(&key.public()));
    assert_eq!(store.public().expect("public").key_id(), new.key_id());

    store.delete().expect("delete");
    assert!(store.load().expect("load").is_none());
    assert!(matches!(store.public(), Err(KeyStoreError::NoKey(_))));
}

#[test]
fn a_server_token_is_kept_per_profile_and_server_and_deleted() {
    use tenantry_keystore::{delete_server_token, load_server_token, store_server_token};
    let profile = unique_profile("token");
    let server = "http://127.0.0.1:8480";
    let other = "https://sync.example.com";
    assert_eq!(load_server_token(&profile, server).expect("keyring"), None);
    store_server_token(&profile, server, "first").expect("store");
    store_server_token(&profile, server, "second").expect("replace");
    store_server_token(&profile, other, "elsewhere").expect("store");
    assert_eq!(
        load_server_token(&profile, server)
            .expect("load")
            .as_deref(),
        Some("second")
    );
    assert_eq!(
        load_server_token(&profile, other).expect("load").as_deref(),
        Some("elsewhere")
    );
    assert_eq!(
        load_server_token(&unique_profile("someone-else"), server).expect("load"),
        None
    );
    delete_server_token(&profile, server).expect("delete");
    delete_server_token(&profile, server).expect("deleting twice is fine");
    assert_eq!(load_server_token(&profile, server).expect("load"), None);
    delete_server_token(&profile, other).expect("delete");
}
