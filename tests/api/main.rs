//! The integration test binary: every area of the agreement API, driven over HTTP against a real server.

mod helpers;

mod agreement_history;
mod agreements_metadata;
mod auth;
mod cli;
mod confirm_acceptance;
mod conventions;
mod customers;
mod direct_sign_status;
mod persistence;
mod swagger;
mod template_documents;
