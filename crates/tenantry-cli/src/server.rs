//! `tenantry server register|push|pull|sync|server-status`: the platform server.
//! The bearer token lives in the OS keyring per profile and server URL
//! (`TENANTRY_SERVER_TOKEN` overrides it, for pipelines without a keyring).

use std::collections::BTreeMap;

use serde_json::json;
use tenantry_sync::{
    describe, normalise_url, Conflict, KeyState, OwnKey, PullReport, PushReport, Rejection,
    Resolution, Role, Side, SyncConfig, SyncError, Syncer,
};

use crate::args::{MirrorArgs, ReportFormat, RoleArg};
use crate::signer::SignerArgs;
use crate::{mirror, output};

/// A token given in the environment wins over the keyring.
pub const TOKEN_ENV: &str = "TENANTRY_SERVER_TOKEN";

fn token(signer: &SignerArgs, server: &str) -> Result<Option<String>, String> {
    if let Some(token) = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|token| !token.trim().is_empty())
    {
        return Ok(Some(token.trim().to_owned()));
    }
    match tenantry_keystore::load_server_token(&signer.profile, server) {
        Ok(token) => Ok(token),
        // No keyring: the same advice as no token, plus why.
        Err(error) => Err(format!(
            "{} (the OS keyring could not be read: {error}; or set {TOKEN_ENV})",
            SyncError::MissingToken {
                url: server.to_owned()
            }
        )),
    }
}

pub(crate) async fn syncer(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<Syncer, String> {
    let server = normalise_url(server).map_err(|error| error.to_string())?;
    let token = token(signer, &server)?;
    let store = mirror::open_or_create(mirror_args).await?;
    Syncer::new(store, SyncConfig::new(&server, token)).map_err(|error| error.to_string())
}

pub struct RegisterArgs<'a> {
    pub server: &'a str,
    pub name: Option<&'a str>,
    pub role: RoleArg,
    pub organisation: &'a str,
}

/// Registers this profile's key with the server and keeps the token in the keyring.
pub async fn register(
    args: RegisterArgs<'_>,
    signer: &SignerArgs,
    format: ReportFormat,
) -> Result<(), String> {
    let server = normalise_url(args.server).map_err(|error| error.to_string())?;
    let key = signer.key(true)?;
    let name = args.name.map(str::to_owned).unwrap_or_else(|| {
        std::env::var("USER")
            .ok()
            .filter(|user| !user.trim().is_empty())
            .unwrap_or_else(|| signer.profile.clone())
    });
    let role = Role::from(args.role);
    let registration = tenantry_sync::register_key(&server, &key, &name, role, args.organisation)
        .await
        .map_err(|error| error.to_string())?;
    tenantry_keystore::store_server_token(&signer.profile, &server, &registration.token).map_err(
        |error| {
            format!(
                "the key {} is registered, but its token could not be kept in the OS keyring \
                 ({error}); ask an admin to revoke it and register again where a keyring works",
                registration.key_id
            )
        },
    )?;
    match format {
        ReportFormat::Json => output::json(&json!({
            "server": server,
            "key_id": registration.key_id,
            "role": registration.role,
            "state": registration.state,
        })),
        ReportFormat::Text => output::text(&format!(
            "Registered key {} with {server} as {} ({}).\n\
             The token is in the OS keyring (profile '{}').\n\
             An admin must approve the key before you can push or pull.\n",
            registration.key_id,
            serde_json::to_value(registration.role)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            registration.state,
            signer.profile,
        )),
    }
}

fn rejections_text(rejected: &[Rejection]) -> String {
    rejected
        .iter()
        .map(|rejection| {
            format!(
                "  refused {} (tenant {}): {} ({})\n",
                short(&rejection.hash),
                rejection.tenant,
                rejection.message,
                rejection.code
            )
        })
        .collect()
}

fn conflicts_text(conflicts: &[Conflict]) -> String {
    let mut text = String::new();
    for conflict in conflicts {
        text.push_str(&format!(
            "  conflict in change set {} (tenant {}, \"{}\"):\n",
            short(&conflict.changeset),
            conflict.tenant,
            conflict.summary
        ));
        for field in &conflict.fields {
            text.push_str(&format!(
                "    {}: theirs {} / mine {}\n",
                field.path,
                describe(field.theirs.as_ref()),
                describe(field.mine.as_ref())
            ));
        }
    }
    text
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

fn push_text(report: &PushReport) -> String {
    let mut text = format!(
        "Pushed: {} accepted, {} already on the server, {} refused; {} still queued.\n",
        report.sent,
        report.duplicates,
        report.rejected.len(),
        report.left_queued
    );
    if report.rebase.rebased > 0 {
        text.push_str(&format!(
            "Rebased {} of your change sets on the server's newer ones.\n",
            report.rebase.rebased
        ));
    }
    text.push_str(&rejections_text(&report.rejected));
    text.push_str(&conflicts_text(&report.rebase.conflicts));
    text
}

fn pull_text(report: &PullReport) -> String {
    let mut text = format!(
        "Pulled: {} change sets ({} new) through server sequence {}.\n",
        report.received, report.ingested, report.pulled_through
    );
    if report.rebase.rebased > 0 {
        text.push_str(&format!(
            "Rebased {} of your queued change sets on them.\n",
            report.rebase.rebased
        ));
    }
    text.push_str(&conflicts_text(&report.rebase.conflicts));
    text
}

/// Whether a run ended clean: nothing refused, no conflict waiting.
fn clean(push: Option<&PushReport>, pulls: &[&PullReport]) -> bool {
    push.is_none_or(|push| push.rejected.is_empty() && push.rebase.conflicts.is_empty())
        && pulls.iter().all(|pull| pull.rebase.conflicts.is_empty())
}

pub async fn push(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let syncer = syncer(server, signer, mirror_args).await?;
    let report = syncer
        .push(&|| signer.key(false))
        .await
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Text => output::text(&push_text(&report))?,
    }
    Ok(clean(Some(&report), &[]))
}

pub async fn pull(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let syncer = syncer(server, signer, mirror_args).await?;
    let report = syncer
        .pull(&|| signer.key(false))
        .await
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Text => output::text(&pull_text(&report))?,
    }
    Ok(clean(None, &[&report]))
}

pub async fn sync(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let syncer = syncer(server, signer, mirror_args).await?;
    let report = syncer
        .sync(&|| signer.key(false))
        .await
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Text => output::text(&format!(
            "{}{}{}",
            pull_text(&report.pull),
            push_text(&report.push),
            pull_text(&report.pull_again)
        ))?,
    }
    Ok(clean(
        Some(&report.push),
        &[&report.pull, &report.pull_again],
    ))
}

/// Where this profile's key stands with the server, in one line for `server-status`.
pub fn key_line(key: &Result<OwnKey, String>) -> String {
    match key {
        Err(error) => format!("unknown: {error}"),
        Ok(key) => {
            let role = key.role.id();
            match key.state {
                KeyState::Approved => format!(
                    "approved as {role} ({}, key {}): you can sync",
                    key.name,
                    short(&key.key_id)
                ),
                KeyState::Pending => format!(
                    "pending ({role}, key {}): an admin must approve it on the server before you can sync",
                    short(&key.key_id)
                ),
                KeyState::Revoked => format!(
                    "revoked ({role}, key {}){}: it can no longer sync; ask an admin to register a new key",
                    short(&key.key_id),
                    key.revoked_after_seq
                        .map(|seq| format!(", its change sets count up to sequence {seq}"))
                        .unwrap_or_default()
                ),
            }
        }
    }
}

/// Reachability, readiness, the key's registration state and role, the outbox and what
/// was refused. Exits 1 when the server cannot be reached.
pub async fn status(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let server = normalise_url(server).map_err(|error| error.to_string())?;
    // The status is worth showing without a token too.
    let token = token(signer, &server).ok().flatten();
    let store = mirror::open_or_create(mirror_args).await?;
    let syncer = Syncer::new(store, SyncConfig::new(&server, token.clone()))
        .map_err(|error| error.to_string())?;
    let status = syncer.status().await.map_err(|error| error.to_string())?;
    // The server's own answer about this key, whatever its state; none to ask for
    // without a token or a server that answers.
    let key = match (&token, status.online) {
        (Some(_), true) => Some(syncer.whoami().await.map_err(|error| match error {
            SyncError::Unauthenticated { .. } => format!(
                "the server does not recognise this profile's token: register again with `tenantry server register --server {}`",
                status.server_url
            ),
            error => error.to_string(),
        })),
        _ => None,
    };
    match format {
        ReportFormat::Json => output::json(&json!({
            "status": status,
            "token": token.is_some(),
            "key": key.as_ref().and_then(|key| key.as_ref().ok()),
            "key_error": key.as_ref().and_then(|key| key.as_ref().err()),
        }))?,
        ReportFormat::Text => {
            let mut text = format!(
                "Server:     {}\nReachable:  {}\nReady:      {}\nToken:      {}\n",
                status.server_url,
                if status.online { "yes" } else { "no" },
                if status.ready { "yes" } else { "no" },
                if token.is_some() {
                    "present"
                } else {
                    "none: run `tenantry server register`"
                },
            );
            if let Some(key) = &key {
                text.push_str(&format!("Key:        {}\n", key_line(key)));
            }
            text.push_str(&format!(
                "Outbox:     {} change set(s) waiting\n",
                status.outbox
            ));
            text.push_str(&format!(
                "Last sync:  {}\n",
                status
                    .last_sync_at_ms
                    .and_then(|ms| tenantry_core::Timestamp::from_unix_millis(ms).ok())
                    .map_or_else(|| "never".to_owned(), |time| time.to_string())
            ));
            if let Some(error) = &status.last_error {
                text.push_str(&format!("Last error: {error}\n"));
            }
            if !status.rejected.is_empty() {
                text.push_str(&format!(
                    "Refused by the server ({}):\n",
                    status.rejected.len()
                ));
                for held in &status.rejected {
                    text.push_str(&format!(
                        "  {} (tenant {}): {} ({})\n",
                        short(&held.hash),
                        held.tenant,
                        held.message.as_deref().unwrap_or(""),
                        held.code.as_deref().unwrap_or("")
                    ));
                }
            }
            if !status.conflicts.is_empty() {
                text.push_str(&format!(
                    "Conflicts waiting for you: {}\n",
                    status.conflicts.len()
                ));
            }
            output::text(&text)?;
        }
    }
    Ok(status.online)
}

/// `tenantry conflicts`: what waits for a person. Exits 1 when something does, so a
/// script can tell.
pub async fn conflicts(
    server: &str,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let syncer = syncer(server, signer, mirror_args).await?;
    let conflicts = syncer
        .conflicts()
        .await
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&conflicts)?,
        ReportFormat::Text if conflicts.is_empty() => output::line("No conflicts.")?,
        ReportFormat::Text => output::text(&format!(
            "{}Settle each with `tenantry resolve <change set> --theirs PATH --mine PATH`.\n",
            conflicts_text(&conflicts)
        ))?,
    }
    Ok(conflicts.is_empty())
}

/// The sides chosen on the command line, each path once.
fn choices(theirs: &[String], mine: &[String]) -> Result<BTreeMap<String, Side>, String> {
    let mut chosen = BTreeMap::new();
    for (paths, side) in [(theirs, Side::Theirs), (mine, Side::Mine)] {
        for path in paths {
            if chosen.insert(path.clone(), side).is_some() {
                return Err(format!(
                    "{path} is given more than once; choose one side per field"
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err("choose a side for each conflicting field with --theirs PATH or --mine PATH (`tenantry conflicts` lists them)".to_owned());
    }
    Ok(chosen)
}

/// `tenantry resolve`: settles one conflict and queues the result.
pub async fn resolve(
    server: &str,
    changeset: &str,
    theirs: &[String],
    mine: &[String],
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    let chosen = choices(theirs, mine)?;
    let syncer = syncer(server, signer, mirror_args).await?;
    let conflicts = syncer
        .conflicts()
        .await
        .map_err(|error| error.to_string())?;
    let matching: Vec<&Conflict> = conflicts
        .iter()
        .filter(|conflict| conflict.changeset.starts_with(changeset) && changeset.len() >= 12)
        .collect();
    let conflict = match matching.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "no conflict for change set '{changeset}' (give its hash or first 12 characters; `tenantry conflicts` lists them)"
            ))
        }
        _ => return Err(format!("'{changeset}' names more than one conflict; give more of the hash")),
    };
    let (resolution, rebase) = syncer
        .resolve(&conflict.changeset, &chosen, &|| signer.key(false))
        .await
        .map_err(|error| error.to_string())?;
    let mut text = match resolution {
        Resolution::Queued { hash } => format!(
            "Resolved: change set {} signed on the server's version and queued; `tenantry push` sends it.\n",
            short(&hash)
        ),
        Resolution::NothingLeft => {
            "Resolved: the server's values won every field, so nothing of the change is left.\n"
                .to_owned()
        }
    };
    if rebase.rebased > 0 {
        text.push_str(&format!(
            "Rebased {} later change set(s) of that tenant on it.\n",
            rebase.rebased
        ));
    }
    text.push_str(&conflicts_text(&rebase.conflicts));
    output::text(&text)
}

/// A server token is 64 hex characters (see docs/server.md).
fn check_token(token: &str) -> Result<(), String> {
    if token.len() == 64 && token.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err("that is not a server token (64 hexadecimal characters); nothing was kept".to_owned())
    }
}

/// `tenantry server use-token`: keeps a token read from `input` (its first line) in the
/// keyring for `profile` at `server`.
pub fn use_token(
    server: &str,
    profile: &str,
    mut input: impl std::io::BufRead,
) -> Result<(), String> {
    let server = normalise_url(server).map_err(|error| error.to_string())?;
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|error| format!("cannot read the token from standard input: {error}"))?;
    let token = line.trim();
    check_token(token)?;
    tenantry_keystore::store_server_token(profile, &server, token)
        .map_err(|error| format!("cannot keep the token in the OS keyring: {error}"))?;
    output::line(&format!(
        "Kept the token for {server} in the OS keyring (profile '{profile}')."
    ))
}

#[cfg(test)]
mod token_tests {
    use super::{check_token, choices, Side};

    #[test]
    fn each_field_gets_one_side() {
        let theirs = vec!["/ai/monthly_budget_cents".to_owned()];
        let mine = vec!["/tenant/display_name".to_owned()];
        let chosen = choices(&theirs, &mine).expect("two fields");
        assert_eq!(chosen["/ai/monthly_budget_cents"], Side::Theirs);
        assert_eq!(chosen["/tenant/display_name"], Side::Mine);
        assert!(choices(&theirs, &theirs)
            .expect_err("twice")
            .contains("more than once"));
        assert!(choices(&[], &[]).is_err());
    }

    #[test]
    fn only_a_64_hex_token_is_kept() {
        assert!(check_token(&"ab".repeat(32)).is_ok());
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(33)] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
    }
}
