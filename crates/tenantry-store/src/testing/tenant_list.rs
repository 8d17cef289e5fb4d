//! The mirror of a busy account manager, for the tenant-list bench and the app-start
//! measurement: many tenants signed by one trusted author, drafts in progress, and a
//! progress verdict for every tenant. One way of making it, so both measure the same list.

use std::time::{Duration, Instant};

use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, NewDraft, TenantDocument, Timestamp};

use crate::Store;

/// Drafts in the mirror besides the tenants (a person's work in progress).
pub const TENANT_LIST_DRAFTS: usize = 25;

const FIRST: [&str; 20] = [
    "Harbour",
    "Cedar",
    "Northwind",
    "Alder",
    "Birch",
    "Summit",
    "Lakeside",
    "Granite",
    "Maple",
    "Silver",
    "Orchard",
    "Riverside",
    "Beacon",
    "Willow",
    "Copper",
    "Meadow",
    "Pioneer",
    "Aurora",
    "Falcon",
    "Juniper",
];
const SECOND: [&str; 10] = [
    "Clinic",
    "Health",
    "Bank",
    "Capital",
    "Retail",
    "Market",
    "Dental",
    "Insurance",
    "Labs",
    "Outfitters",
];

/// `count` signed creations of distinct tenants ("Harbour Clinic 0", "Cedar Clinic 1",
/// …), healthcare/HIPAA, fintech/PCI DSS and retail/GDPR in turn. Signing is the slow
/// part, so a caller filling several mirrors makes them once.
pub fn tenant_list_envelopes(key: &SigningKey, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let name = format!(
                "{} {} {}",
                FIRST[i % FIRST.len()],
                SECOND[(i / FIRST.len()) % SECOND.len()],
                i
            );
            let (industry, regulations): (Industry, &[Regulation]) = match i % 3 {
                0 => (Industry::Healthcare, &[Regulation::Hipaa]),
                1 => (Industry::FinancialServices, &[Regulation::PciDss]),
                _ => (Industry::Retail, &[Regulation::Gdpr]),
            };
            let doc = TenantDocument::with_safe_defaults(
                &ClientName::parse(&name).expect("name"),
                industry,
                regulations,
            )
            .expect("defaults");
            let changeset = ChangeSet {
                schema_version: CHANGESET_SCHEMA_VERSION,
                id: ChangeSet::new_id(),
                organisation: "org-bench".into(),
                tenant: doc.tenant.id.clone(),
                environment: Environment::Draft,
                parent: None,
                operations: vec![ChangeSet::creation(&doc)],
                summary: "bench".into(),
                justifications: Default::default(),
                author: key.key_id(),
                created_at: Timestamp::now(),
            };
            Envelope::sign(&changeset, key).to_json()
        })
        .collect()
}

/// Trusts `key`, ingests `envelopes` (from [`tenant_list_envelopes`]), adds
/// [`TENANT_LIST_DRAFTS`] drafts and gives every tenant a progress verdict as the app's
/// background refresh would (every 7th blocked). Answers how long the ingest took.
pub async fn fill_tenant_list(store: &Store, key: &SigningKey, envelopes: &[Vec<u8>]) -> Duration {
    store
        .add_signing_key(&key.public(), "Bench Author")
        .await
        .expect("trust");
    let started = Instant::now();
    for chunk in envelopes.chunks(1_000) {
        store.ingest(chunk).await.expect("ingest");
    }
    let filled = started.elapsed();
    // Drafts in progress on this machine: each row looks its draft up among them.
    for n in 0..TENANT_LIST_DRAFTS {
        store
            .create_draft(&NewDraft {
                client_name: format!("Draft Client {n}"),
                industry: "healthcare".into(),
            })
            .await
            .expect("draft");
    }
    let pending = store
        .tenants_needing_progress(u32::try_from(envelopes.len()).expect("small"))
        .await
        .expect("pending");
    for (index, (tenant, head, _)) in pending.iter().enumerate() {
        let complete = u8::try_from(index % 13).expect("small");
        store
            .set_tenant_progress(tenant, head, complete, index % 7 == 0)
            .await
            .expect("progress");
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestMirror;
    use crate::{ProgressFilter, TenantFilter};

    #[tokio::test]
    async fn a_filled_mirror_lists_every_tenant_with_drafts_and_verdicts() {
        let mirror = TestMirror::sqlite().await;
        let key = SigningKey::generate().expect("key");
        let envelopes = tenant_list_envelopes(&key, 40);
        assert_eq!(envelopes.len(), 40);
        fill_tenant_list(&mirror.store, &key, &envelopes).await;

        let all = mirror
            .store
            .list_tenants(&TenantFilter {
                limit: 50,
                ..TenantFilter::default()
            })
            .await
            .expect("query")
            .expect("filter");
        assert_eq!(all.total, 40);
        assert!(
            all.tenants
                .iter()
                .any(|t| t.display_name == "Harbour Clinic 0"),
            "names are made from the word lists"
        );
        let hipaa = mirror
            .store
            .list_tenants(&TenantFilter {
                compliance_mode: Some("hipaa".into()),
                limit: 50,
                ..TenantFilter::default()
            })
            .await
            .expect("query")
            .expect("filter");
        assert_eq!(
            hipaa.total, 14,
            "every third tenant, from the first, is HIPAA"
        );
        let blocked = mirror
            .store
            .list_tenants(&TenantFilter {
                progress: Some(ProgressFilter::Blocked),
                limit: 50,
                ..TenantFilter::default()
            })
            .await
            .expect("query")
            .expect("filter");
        assert_eq!(blocked.total, 6, "every 7th verdict is blocked");
        assert_eq!(
            mirror.store.list_drafts().await.expect("drafts").len(),
            TENANT_LIST_DRAFTS
        );
        mirror.remove().await;
    }
}
