use tenantry_core::Draft;

use crate::args::{Format, MirrorArgs};
use crate::{mirror, output};

pub async fn list(args: &MirrorArgs, format: Format) -> Result<(), String> {
    let drafts = match mirror::open_existing(args).await? {
        Some(store) => {
            let drafts = store.list_drafts().await.map_err(|error| error.to_string());
            store.close().await;
            drafts?
        }
        None => Vec::new(),
    };
    match format {
        Format::Json => output::json(&drafts),
        Format::Table if drafts.is_empty() => {
            output::line("No drafts yet. Start one in the Tenantry app with \"New client\".")
        }
        Format::Table => output::table(
            &["ID", "CLIENT", "INDUSTRY", "CREATED"],
            drafts.iter().map(row).collect(),
        ),
    }
}

fn row(draft: &Draft) -> Vec<String> {
    vec![
        draft.id.as_str().to_owned(),
        draft.client_name.clone(),
        draft.industry_label.clone(),
        draft.created_at.to_string(),
    ]
}
