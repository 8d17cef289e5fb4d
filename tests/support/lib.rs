//! Helpers for the cross-crate and end-to-end tests: the built binaries, a virtual
//! display, tauri-driver, and processes that are stopped when a test ends, pass or fail.

pub mod desktop;
pub mod http;
pub mod onboarding;
pub mod process;
pub mod server;
pub mod ui;
pub mod wizard;
pub mod workspace;
