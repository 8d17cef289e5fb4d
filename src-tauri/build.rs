fn main() {
    // Declaring the app's commands makes tauri-build generate an `allow-<command>`
    // permission for each; a window may then call only what its capability file lists.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "app_info",
            "industries",
            "validate_new_draft",
            "create_draft",
            "list_drafts",
            "open_draft",
            "save_draft",
            "submit_draft",
            "signing_key",
            "sync_status",
            "set_server_url",
            "register_key",
            "sync_now",
            "list_conflicts",
            "resolve_conflict",
            "dismiss_rejection",
            "wizard_step",
            "edit_draft",
            "plan_draft",
            "list_tenants",
            "import_document",
            "export_document",
            "choose_image",
            "image_preview",
            "export_handoff",
            "review_queue",
            "approve_changeset",
            "request_changes",
            "go_live",
            "promote_tenant",
            "attach_output",
            "audit_log",
            "review_changes",
        ]),
    ))
    .expect("tauri-build failed");
}
