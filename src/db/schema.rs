//! Diesel table definitions, identical for SQLite and PostgreSQL (portable column types only).

diesel::table! {
    agreement_templates (template_id) {
        template_id -> Text,
        agreement_type -> Text,
        agreement_link -> Text,
        version_rank -> Integer,
        display_order -> Integer,
    }
}

diesel::table! {
    partners (tenant_id) {
        tenant_id -> Text,
        partner_type -> Text,
        mpn_id -> Nullable<Text>,
        mpa_signed -> Bool,
        auto_registered -> Bool,
        created_at -> Timestamp,
        integration_sandbox -> Bool,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        owner_partner_tenant_id -> Nullable<Text>,
        domain -> Text,
        domain_key -> Text,
        company_name -> Text,
        commerce_id -> Text,
        billing_profile_id -> Text,
        billing_etag -> Text,
        billing_email -> Text,
        billing_culture -> Text,
        billing_language -> Text,
        billing_company_name -> Text,
        address_country -> Text,
        address_city -> Text,
        address_state -> Nullable<Text>,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        address_postal_code -> Text,
        address_first_name -> Nullable<Text>,
        address_last_name -> Nullable<Text>,
        address_phone_number -> Nullable<Text>,
        admin_user_name -> Text,
        admin_password_hash -> Text,
        has_legacy_purchases -> Bool,
        direct_acceptance_at -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_relationships (customer_id, partner_tenant_id) {
        customer_id -> Text,
        partner_tenant_id -> Text,
        relationship -> Text,
        since -> Timestamp,
        lock_version -> BigInt,
    }
}

diesel::table! {
    agreements (id) {
        id -> BigInt,
        partner_tenant_id -> Text,
        customer_id -> Text,
        template_id -> Text,
        agreement_type -> Text,
        user_id -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        phone_number -> Nullable<Text>,
        date_agreed -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        recipient_name -> Text,
        partner_tenant_id -> Text,
        customer_tenant_id -> Text,
        template_id -> Text,
        agreement_type -> Text,
        subject -> Text,
        created_at -> Timestamp,
        due_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_records (partner_tenant_id, request_id) {
        partner_tenant_id -> Text,
        request_id -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        claimed_at -> Timestamp,
        stored_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    continuation_tokens (token) {
        token -> Text,
        partner_tenant_id -> Text,
        after_created_at -> Timestamp,
        after_id -> Text,
        created_at -> Timestamp,
        page_size -> BigInt,
        filter_field -> Nullable<Text>,
        filter_value -> Nullable<Text>,
    }
}

diesel::table! {
    clock_offsets (scope) {
        scope -> Text,
        offset_ms -> BigInt,
    }
}

diesel::table! {
    control_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    shared_secrets (name) {
        name -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    faults (id) {
        id -> Text,
        position -> BigInt,
        preset -> Nullable<Text>,
        match_method -> Nullable<Text>,
        match_path -> Nullable<Text>,
        match_partner_tenant_id -> Nullable<Text>,
        match_customer_tenant_id -> Nullable<Text>,
        respond_status -> Nullable<Integer>,
        respond_shape -> Nullable<Text>,
        respond_code -> Nullable<BigInt>,
        respond_error_name -> Nullable<Text>,
        respond_description -> Nullable<Text>,
        respond_retry_after_seconds -> Nullable<BigInt>,
        latency_ms -> BigInt,
        times -> Nullable<BigInt>,
        probability -> Double,
        seed -> BigInt,
        matched -> BigInt,
        fired -> BigInt,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fault_counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        partner_tenant_id -> Text,
        customer_id -> Text,
        reference_customer_id -> Text,
        billing_cycle -> Text,
        line_items -> Text,
        creation_date -> Timestamp,
        status -> Text,
    }
}

diesel::table! {
    form_nonces (nonce) {
        nonce -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(customer_relationships -> customers (customer_id));
diesel::joinable!(agreements -> customers (customer_id));

diesel::allow_tables_to_appear_in_same_query!(
    agreement_templates,
    partners,
    customers,
    customer_relationships,
    agreements,
    notifications,
    idempotency_records,
    continuation_tokens,
    clock_offsets,
    control_version,
    shared_secrets,
    faults,
    fault_counters,
    orders,
    form_nonces,
);
