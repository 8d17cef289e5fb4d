//! `tenantry`: Tenantry's command line, over the same core and mirror as the desktop app.

mod args;
mod audit;
mod catalog;
mod changesets;
mod drafts;
mod handoff;
mod history;
mod keys;
mod mirror;
mod new_tenant;
mod output;
mod policy;
mod progress;
mod schema;
mod server;
mod signer;
mod sources;
mod validate;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{
    AuditCommand, CatalogCommand, ChangesetCommand, Cli, Command, DraftsCommand, KeyCommand,
    MirrorArgs, PolicyCommand, ServerCommand,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let outcome = match cli.command {
        // The one command whose failure is a result, not an error: findings were printed.
        Command::Validate {
            file,
            sources,
            format,
        } => {
            return validate::run(&file, &sources, format)
                .unwrap_or_else(|message| output::fail(&message))
        }
        Command::Drafts {
            command: DraftsCommand::List { format },
        } => with_runtime(&cli.mirror, |mirror| drafts::list(mirror, format)),
        Command::Schema => schema::print(),
        Command::New {
            name,
            industry,
            regulations,
            format,
        } => new_tenant::print(&name, industry, &regulations, format),
        Command::Catalog {
            command: CatalogCommand::Show { catalog, format },
        } => with_runtime(&cli.mirror, |mirror| {
            catalog::show(catalog.as_deref(), format, mirror)
        }),
        Command::Catalog {
            command:
                CatalogCommand::Pull {
                    server,
                    platform_key,
                    trust_on_first_use,
                    organisation,
                    signer,
                    format,
                },
        } => {
            let args = catalog::PullArgs {
                server: &server.url,
                platform_key: platform_key.as_deref(),
                trust_on_first_use,
                organisation: &organisation.id,
            };
            with_runtime(&cli.mirror, |mirror| {
                catalog::pull(args, &signer, mirror, format)
            })
        }
        Command::Progress {
            file,
            sources,
            format,
        } => progress::run(&file, &sources, format),
        Command::Policy {
            command: PolicyCommand::List { policy_dir, format },
        } => policy::list(policy_dir.as_deref(), format),
        Command::Key { command } => match command {
            KeyCommand::Create { signer, format } => keys::create(&signer, format),
            KeyCommand::Show { signer, format } => keys::show(&signer, format),
            KeyCommand::Rotate { signer, format } => keys::rotate(&signer, format),
        },
        Command::Changeset { command } => match command {
            ChangesetCommand::Sign { file, out, signer } => {
                changesets::sign(&file, out.as_deref(), &signer)
            }
            ChangesetCommand::Verify {
                envelope,
                public_keys,
                format,
            } => {
                return exit_with(with_runtime(&cli.mirror, |mirror| {
                    changesets::verify(&envelope, &public_keys, mirror, format)
                }))
            }
            ChangesetCommand::Record { envelope } => {
                with_runtime(&cli.mirror, |mirror| changesets::record(&envelope, mirror))
            }
            ChangesetCommand::Export { changeset, out } => with_runtime(&cli.mirror, |mirror| {
                changesets::export(&changeset, out.as_deref(), mirror)
            }),
        },
        Command::Submit {
            file,
            summary,
            environment,
            organisation,
            out,
            sources,
            signer,
        } => {
            let args = changesets::SubmitArgs {
                file: &file,
                summary: &summary,
                environment: environment.into(),
                organisation: &organisation.id,
                out: out.as_deref(),
                sources: &sources,
            };
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                changesets::submit(args, &signer, mirror)
            }));
        }
        Command::History { tenant, format } => with_runtime(&cli.mirror, |mirror| {
            history::history(mirror, &tenant, format)
        }),
        Command::Diff {
            tenant,
            from,
            to,
            format,
        } => with_runtime(&cli.mirror, |mirror| {
            history::diff(mirror, &tenant, from, to, format)
        }),
        Command::Revert {
            changeset,
            summary,
            organisation,
            sources,
            signer,
        } => {
            let args = history::RevertArgs {
                changeset: &changeset,
                summary: summary.as_deref(),
                organisation: &organisation.id,
                sources: &sources,
            };
            with_runtime(&cli.mirror, |mirror| history::revert(args, &signer, mirror))
        }
        Command::Server {
            command:
                ServerCommand::Register {
                    server,
                    name,
                    role,
                    organisation,
                    signer,
                    format,
                },
        } => {
            let args = server::RegisterArgs {
                server: &server.url,
                name: name.as_deref(),
                role,
                organisation: &organisation.id,
            };
            with_runtime(&cli.mirror, |_| server::register(args, &signer, format))
        }
        Command::Server {
            command: ServerCommand::UseToken { server, profile },
        } => server::use_token(&server.url, &profile, std::io::stdin().lock()),
        Command::Push {
            server,
            signer,
            format,
        } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                server::push(&server.url, &signer, mirror, format)
            }))
        }
        Command::Pull {
            server,
            signer,
            format,
        } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                server::pull(&server.url, &signer, mirror, format)
            }))
        }
        Command::Sync {
            server,
            signer,
            format,
        } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                server::sync(&server.url, &signer, mirror, format)
            }))
        }
        Command::Conflicts {
            server,
            signer,
            format,
        } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                server::conflicts(&server.url, &signer, mirror, format)
            }))
        }
        Command::Resolve {
            changeset,
            theirs,
            mine,
            server,
            signer,
        } => with_runtime(&cli.mirror, |mirror| {
            server::resolve(&server.url, &changeset, &theirs, &mine, &signer, mirror)
        }),
        Command::ServerStatus {
            server,
            signer,
            format,
        } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                server::status(&server.url, &signer, mirror, format)
            }))
        }
        Command::Handoff {
            tenant,
            format,
            environment,
            output,
        } => {
            let args = handoff::HandoffArgs {
                tenant: &tenant,
                format,
                environment,
                output: output.as_deref(),
            };
            with_runtime(&cli.mirror, |mirror| handoff::run(args, mirror))
        }
        Command::Audit {
            command:
                AuditCommand::Export {
                    tenant,
                    from,
                    to,
                    out,
                    signer,
                },
        } => {
            let args = audit::ExportArgs {
                tenant: tenant.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
                out: &out,
            };
            with_runtime(&cli.mirror, |mirror| audit::export(args, &signer, mirror))
        }
        Command::VerifyMirror { format } => {
            return exit_with(with_runtime(&cli.mirror, |mirror| {
                history::verify_mirror(mirror, format)
            }))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => output::fail(&message),
    }
}

/// For commands whose "no" is a result (printed) rather than an error: exit 1 quietly.
fn exit_with(outcome: Result<bool, String>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => output::fail(&message),
    }
}

/// Runs a command that needs the mirror (and so an async runtime).
fn with_runtime<'a, T, F, Fut>(mirror: &'a MirrorArgs, command: F) -> Result<T, String>
where
    F: FnOnce(&'a MirrorArgs) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("could not start the async runtime: {error}"))?;
    runtime.block_on(command(mirror))
}

/// Logs go to stderr so that stdout stays clean for `--format json`.
fn init_logging(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TENANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
