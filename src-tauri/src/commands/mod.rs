//! The IPC commands, one module per area. Each parses its input, calls one core or
//! store function and maps the error; no rule and no SQL lives here.

mod app;
mod audit;
mod drafts;
mod files;
mod golive;
mod handoff;
mod plan;
mod review;
mod signing;
mod sync;
mod tenants;
mod wizard;

use tauri_specta::{collect_commands, Builder};

/// Every command the UI can call, with the types tauri-specta exports to
/// `ui/src/bindings.ts`. The same list is declared in `build.rs` for the permissions.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().commands(collect_commands![
        app::app_info,
        app::industries,
        drafts::validate_new_draft,
        drafts::create_draft,
        drafts::list_drafts,
        drafts::open_draft,
        drafts::save_draft,
        drafts::submit_draft,
        signing::signing_key,
        sync::sync_status,
        sync::set_server_url,
        sync::register_key,
        sync::sync_now,
        sync::list_conflicts,
        sync::resolve_conflict,
        sync::dismiss_rejection,
        wizard::wizard_step,
        wizard::edit_draft,
        plan::plan_draft,
        tenants::list_tenants,
        files::import_document,
        files::export_document,
        files::choose_image,
        files::image_preview,
        handoff::export_handoff,
        review::review_queue,
        review::approve_changeset,
        review::request_changes,
        golive::go_live,
        golive::promote_tenant,
        files::attach_output,
        audit::audit_log,
        review::review_changes,
    ])
}
