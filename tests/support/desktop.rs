//! The real `tenantry-desktop` binary under a virtual display, driven through
//! tauri-driver and WebKitWebDriver. Nothing is mocked: the app opens its own SQLite
//! mirror in the data directory the test gives it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

use crate::process::{free_port, wait_for_port, which, Background};
use crate::workspace::{artifacts_dir, built_binary};

const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";

/// A private X display, a session bus with an unlocked keyring, and tauri-driver,
/// ready to launch the app.
#[derive(Debug)]
pub struct DesktopHarness {
    port: u16,
    logs: PathBuf,
    display: String,
    // Fields drop in declaration order: the driver (and any app) before the display.
    _driver: Background,
    _display: Background,
}

fn require(program: &str) -> PathBuf {
    which(program).unwrap_or_else(|| {
        panic!(
            "{program} is required for the end-to-end tests but is not installed; \
             `make test` installs it (see the README)"
        )
    })
}

impl DesktopHarness {
    /// Starts Xvfb and tauri-driver; the app will see `data_dir` as its data directory.
    pub fn start(name: &str, data_dir: &Path) -> Self {
        let xvfb = require("Xvfb");
        let tauri_driver = tauri_driver();
        let dbus_run_session = require("dbus-run-session");
        assert!(
            Path::new(WEBKIT_DRIVER).is_file(),
            "{WEBKIT_DRIVER} is missing: install webkit2gtk-driver (`make test` does)"
        );

        let logs = artifacts_dir().join("logs");
        std::fs::create_dir_all(&logs).expect("create log dir");

        let (display, display_process) =
            start_display(&xvfb, &logs.join(format!("{name}-xvfb.log")));

        let port = free_port();
        let native_port = std::iter::repeat_with(free_port)
            .find(|candidate| *candidate != port)
            .expect("a second free port");
        let driver_log = logs.join(format!("{name}-tauri-driver.log"));
        // The app signs with a key from the OS keyring: give it a real, unlocked
        // Secret Service (a throwaway gnome-keyring) inside the driver's session bus.
        require("gnome-keyring-daemon");
        let with_keyring = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scripts/with-keyring.sh")
            .canonicalize()
            .expect("scripts/with-keyring.sh");
        let mut command = Command::new(dbus_run_session);
        command
            .arg("--")
            .arg(with_keyring)
            .arg(tauri_driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .args(["--native-driver", WEBKIT_DRIVER])
            .env("DISPLAY", &display)
            .env("TENANTRY_DATA_DIR", data_dir)
            .env("TENANTRY_PROFILE", "e2e")
            .env("TENANTRY_ORGANISATION", "org-e2e")
            .env_remove("TENANTRY_DATABASE_URL")
            .env_remove("TENANTRY_SERVER_URL")
            .env_remove("WAYLAND_DISPLAY");
        let mut driver = Background::spawn("tauri-driver", &mut command, &driver_log);
        // tauri-driver listens before the WebKitWebDriver it spawned does, and answers a
        // session request that arrives in between by dropping the connection; on a
        // loaded machine that window is long enough to hit, so wait for both.
        for (what, listening_port) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
            if !wait_for_port(listening_port, Duration::from_secs(30)) {
                driver.assert_running(&driver_log);
                panic!("{what} did not listen on port {listening_port} within 30 s");
            }
        }
        Self {
            port,
            logs,
            display,
            _driver: driver,
            _display: display_process,
        }
    }

    /// The X display the app runs on (`:90`…), for driving native dialogs with xdotool.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Launches the app in a new WebDriver session; `close()` on the client quits it.
    pub async fn launch(&self) -> Client {
        self.launch_application(&built_binary("tenantry-desktop"))
            .await
    }

    /// Launches `application` (a Tauri binary, or a script that execs one) in a new
    /// WebDriver session, with the environment `start` set up.
    pub async fn launch_application(&self, application: &Path) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".to_owned(),
            serde_json::json!({ "application": application }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "could not start the app through tauri-driver: {error} (logs in {})",
                    self.logs.display()
                )
            })
    }
}

fn tauri_driver() -> PathBuf {
    which("tauri-driver")
        .or_else(|| {
            let home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
            let candidate = home.join("bin").join("tauri-driver");
            candidate.is_file().then_some(candidate)
        })
        .unwrap_or_else(|| {
            panic!("tauri-driver is not installed: `cargo install tauri-driver --locked` (`make test` does)")
        })
}

/// Starts Xvfb on the first free display number from :90 up.
fn start_display(xvfb: &Path, log: &Path) -> (String, Background) {
    for number in 90..140 {
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let lock = PathBuf::from(format!("/tmp/.X{number}-lock"));
        if socket.exists() || lock.exists() {
            continue;
        }
        let display = format!(":{number}");
        let mut command = Command::new(xvfb);
        command.args([
            display.as_str(),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ]);
        let mut process = Background::spawn("Xvfb", &mut command, log);
        for _ in 0..100 {
            if socket.exists() {
                return (display, process);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        process.assert_running(log);
    }
    panic!("no free X display between :90 and :139");
}
