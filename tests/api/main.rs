//! The integration test binary: every area of the agreement API, driven over HTTP against a real server.

mod helpers;

mod admin_center;
mod agreement_history;
mod agreements_metadata;
mod auth;
mod cli;
mod confirm_acceptance;
mod control_customers;
mod control_faults;
mod control_fixtures;
mod control_journal;
mod control_plane;
mod control_reset;
mod conventions;
mod customer_side;
mod customers;
mod direct_sign_status;
mod idempotency;
mod migrations;
mod order_reads;
mod outage;
mod parallel_writes;
mod persistence;
mod postgres_instances;
mod sandbox_deletion;
mod seed_scenarios;
mod smtp_delivery;
mod swagger;
mod template_documents;
