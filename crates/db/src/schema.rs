// Diesel table definitions for migrations/ (kept in step by the `schema_matches_the_migrations`
// test in tests/db.rs, which compares every column here with the migrated database).

diesel::table! {
    taxonomy_subcategories (category, subcategory) {
        #[max_length = 50]
        category -> Varchar,
        #[max_length = 50]
        subcategory -> Varchar,
        #[max_length = 200]
        category_label -> Varchar,
        #[max_length = 200]
        label -> Varchar,
        description -> Text,
        retired -> Bool,
    }
}

diesel::table! {
    tickets (id) {
        id -> Uuid,
        #[max_length = 32]
        source -> Varchar,
        #[max_length = 255]
        source_id -> Varchar,
        #[max_length = 500]
        subject -> Nullable<Varchar>,
        description -> Nullable<Text>,
        internal_notes -> Nullable<Text>,
        public_comments -> Nullable<Text>,
        #[max_length = 255]
        requester_email -> Nullable<Varchar>,
        #[max_length = 255]
        requester_org_name -> Nullable<Varchar>,
        source_org_id -> Nullable<Int8>,
        #[max_length = 300]
        customer_key -> Nullable<Varchar>,
        tags -> Jsonb,
        #[max_length = 50]
        status -> Nullable<Varchar>,
        #[max_length = 50]
        priority -> Nullable<Varchar>,
        #[max_length = 64]
        content_hash -> Bpchar,
        #[max_length = 64]
        analyzed_hash -> Nullable<Bpchar>,
        ticket_created_at -> Timestamptz,
        ticket_updated_at -> Timestamptz,
        synced_at -> Timestamptz,
        analyzed_at -> Nullable<Timestamptz>,
        analysis_failed_at -> Nullable<Timestamptz>,
        analysis_error -> Nullable<Text>,
    }
}

diesel::table! {
    issue_clusters (id) {
        id -> Uuid,
        #[max_length = 50]
        category -> Varchar,
        #[max_length = 50]
        subcategory -> Varchar,
        #[max_length = 200]
        cluster_name -> Varchar,
        cluster_summary -> Nullable<Text>,
        issue_count -> Int4,
        unique_customers -> Int4,
        first_seen -> Nullable<Timestamptz>,
        last_seen -> Nullable<Timestamptz>,
        count_7d -> Int4,
        count_prior_7d -> Int4,
        trend_pct -> Nullable<Float8>,
        is_emerging -> Bool,
        is_active -> Bool,
        #[max_length = 50]
        pm_status -> Varchar,
        pm_notes -> Nullable<Text>,
        stats_updated_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        name_locked -> Bool,
        #[max_length = 100]
        renamed_by -> Nullable<Varchar>,
        merged_into -> Nullable<Uuid>,
    }
}

diesel::table! {
    extracted_issues (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        #[max_length = 50]
        category -> Varchar,
        #[max_length = 50]
        subcategory -> Varchar,
        #[max_length = 50]
        issue_type -> Varchar,
        #[max_length = 20]
        severity -> Varchar,
        #[max_length = 500]
        summary -> Varchar,
        detail -> Nullable<Text>,
        representative_quote -> Nullable<Text>,
        cluster_id -> Nullable<Uuid>,
        confidence -> Nullable<Float4>,
        #[max_length = 50]
        analyzer -> Varchar,
        #[max_length = 100]
        model -> Nullable<Varchar>,
        extracted_at -> Timestamptz,
        #[max_length = 100]
        corrected_by -> Nullable<Varchar>,
        corrected_at -> Nullable<Timestamptz>,
        embedding -> Nullable<Array<Float4>>,
        #[max_length = 100]
        embedding_model -> Nullable<Varchar>,
    }
}

diesel::table! {
    sync_state (id) {
        id -> Int4,
        #[max_length = 32]
        source -> Varchar,
        cursor -> Nullable<Text>,
        last_ticket_updated_at -> Timestamptz,
        tickets_synced -> Int4,
        tickets_changed -> Int4,
        issues_extracted -> Int4,
        sync_started_at -> Timestamptz,
        sync_completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        #[max_length = 100]
        name -> Varchar,
        #[max_length = 10]
        scope -> Varchar,
        #[max_length = 64]
        token_hash -> Bpchar,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    analysis_runs (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        #[max_length = 64]
        analyzed_hash -> Bpchar,
        #[max_length = 50]
        analyzer -> Varchar,
        #[max_length = 100]
        model -> Nullable<Varchar>,
        input_tokens -> Int8,
        output_tokens -> Int8,
        cache_creation_input_tokens -> Int8,
        cache_read_input_tokens -> Int8,
        batch -> Bool,
        cost_usd -> Nullable<Float8>,
        issues -> Int4,
        #[max_length = 32]
        outcome -> Varchar,
        started_at -> Timestamptz,
        finished_at -> Timestamptz,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    claude_batches (id) {
        id -> Uuid,
        #[max_length = 100]
        batch_id -> Nullable<Varchar>,
        #[max_length = 100]
        model -> Varchar,
        #[max_length = 20]
        status -> Varchar,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        applied_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    issue_corrections (id) {
        id -> Int8,
        issue_id -> Uuid,
        ticket_id -> Uuid,
        #[max_length = 100]
        corrected_by -> Varchar,
        corrected_at -> Timestamptz,
        before -> Jsonb,
        after -> Jsonb,
    }
}

diesel::table! {
    cluster_events (id) {
        id -> Int8,
        cluster_id -> Uuid,
        #[max_length = 32]
        kind -> Varchar,
        #[max_length = 100]
        actor -> Varchar,
        detail -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    claude_batch_tickets (batch, ticket_id) {
        batch -> Uuid,
        ticket_id -> Uuid,
        #[max_length = 64]
        content_hash -> Bpchar,
    }
}

diesel::table! {
    intake_dead_letters (id) {
        id -> Int8,
        #[max_length = 32]
        source -> Varchar,
        received_at -> Timestamptz,
        headers -> Jsonb,
        body -> Text,
        error -> Text,
    }
}

diesel::joinable!(extracted_issues -> tickets (ticket_id));
diesel::joinable!(issue_corrections -> tickets (ticket_id));
diesel::joinable!(cluster_events -> issue_clusters (cluster_id));
diesel::joinable!(extracted_issues -> issue_clusters (cluster_id));
diesel::joinable!(analysis_runs -> tickets (ticket_id));
diesel::joinable!(claude_batch_tickets -> claude_batches (batch));
diesel::joinable!(claude_batch_tickets -> tickets (ticket_id));

diesel::allow_tables_to_appear_in_same_query!(
    taxonomy_subcategories,
    tickets,
    issue_clusters,
    extracted_issues,
    sync_state,
    api_tokens,
    issue_corrections,
    cluster_events,
    analysis_runs,
    claude_batches,
    claude_batch_tickets,
    intake_dead_letters,
);
