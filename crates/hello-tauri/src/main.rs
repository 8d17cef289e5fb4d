//! The Tauri template's app and nothing more: one window, one static page. The desktop
//! app's start time and memory are measured as ratios to this (tests/app_start.rs), so
//! it must stay as small as what `create-tauri-app` gives.

// No console window behind the app on Windows in release builds (as the template).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running tauri application");
}
